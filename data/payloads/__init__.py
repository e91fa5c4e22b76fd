"""Decoding and checking request bodies: pure functions from bytes or parsed JSON to arrays and rows."""
