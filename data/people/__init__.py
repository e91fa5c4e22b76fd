"""People and credentials: ingest tokens, signatures, rate limits."""
