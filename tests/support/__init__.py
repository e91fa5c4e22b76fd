"""Helpers shared by the tests: a real server process (server.py)."""
