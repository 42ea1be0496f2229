"""Alembic environment: runs on the connection strengthwise hands it (see engine.schema)."""
from alembic import context

import engine.care.models  # noqa: F401  (registers every table on Base.metadata)
from engine.core.db import Base

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
