"""Alembic migrations of the leadgate schema, run by ``leadgate migrate``.

To add a revision after changing ``tables.py``, autogenerate it against a database
at the current head (PostgreSQL, so that no SQLite batch operations are emitted)::

    from alembic import command
    from leadgate.core.store.engine import Database, alembic_config

    database = Database.from_url("postgresql+psycopg://postgres@127.0.0.1:5432/scratch")
    database.migrate()
    config = alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message="Add ...", autogenerate=True, rev_id="0002")

Then replace ``sqlmodel.sql.sqltypes.AutoString`` with ``sa.String`` in the new file,
so revisions do not import SQLModel internals, and run
``tests/core/store/test_migrations.py``, which fails while tables and migrations differ.
"""
