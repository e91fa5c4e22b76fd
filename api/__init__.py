"""The HTTP API: reading requests, routes, and the translation of domain errors to status codes."""
