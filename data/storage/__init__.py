"""Storage: the SQLAlchemy models, migrations runner, the store's reads and writes, the audit trail and the per-worker dataset cache."""
