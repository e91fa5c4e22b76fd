"""Pure statistics over arrays: no database, no web."""
