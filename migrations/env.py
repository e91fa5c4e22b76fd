"""Alembic environment: run with the connection data.db hands over (see data/storage/db.py)."""

from alembic import context

from data.storage.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through data.storage.db.migrate(), which provides the connection.")

context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
