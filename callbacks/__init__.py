"""Dash callbacks: thin glue from inputs to analysis and figure builders, one package or module
per page (callbacks/dashboard/ for the dashboard), plus the router (callbacks/shell.py)."""
