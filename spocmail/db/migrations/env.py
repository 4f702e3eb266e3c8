"""Alembic environment, configured in code by spocmail.db.alembic_config (no alembic.ini)."""

from alembic import context

from spocmail.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):
    # APScheduler's job store table is not ours to migrate
    return not (type_ == "table" and name.startswith("apscheduler"))


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      include_object=include_object, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
