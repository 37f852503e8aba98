"""Alembic environment: runs migrations on the connection ``Database.migrate`` passes.

There is no ``alembic.ini``: ``leadgate.core.store.engine.alembic_config`` builds the
configuration and puts an open connection into ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import leadgate.core.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config


def run_migrations_online() -> None:
    """Run the migrations inside the caller's connection and transaction."""
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "leadgate migrations run through 'leadgate migrate' or Database.migrate(), "
            "which pass an open connection"
        )

    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        version_table=config.get_main_option("version_table") or "leadgate_schema_version",
        # SQLite cannot ALTER most column properties; batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError(
        "leadgate migrations need a database connection; offline mode is unsupported"
    )
run_migrations_online()
