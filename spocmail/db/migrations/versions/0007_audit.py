"""audit chain: every audit_log entry carries prev_hash and hash; TRUNCATE refused on PostgreSQL

Revision ID: 0007
Revises: 0006

Existing entries are chained in id order (the triggers are lifted for the backfill and put back, on PostgreSQL
with a TRUNCATE trigger as well).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SQLITE_TRIGGERS = {
    verb: f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
          f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    for verb in ("UPDATE", "DELETE")}
PG_FUNCTION = ("CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
               "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql")


def _drop_guard(sqlite: bool) -> None:
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")


def _create_guard(sqlite: bool, truncate: bool) -> None:
    if sqlite:
        for sql in SQLITE_TRIGGERS.values():
            op.execute(sql)
        return
    op.execute(PG_FUNCTION)
    op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
               "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
    if truncate:
        op.execute("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")


def upgrade() -> None:
    from spocmail.db.audit import GENESIS, entry_hash

    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    _drop_guard(sqlite)
    op.add_column('audit_log', sa.Column('prev_hash', sa.String(length=64), nullable=True))
    op.add_column('audit_log', sa.Column('hash', sa.String(length=64), nullable=True))
    table = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('at', sa.DateTime(timezone=True)),
                     sa.column('actor', sa.String), sa.column('action', sa.String),
                     sa.column('subject_type', sa.String), sa.column('subject_id', sa.String),
                     sa.column('detail', sa.JSON), sa.column('prev_hash', sa.String), sa.column('hash', sa.String))
    prev = GENESIS
    rows = bind.execute(sa.select(table.c.id, table.c.at, table.c.actor, table.c.action, table.c.subject_type,
                                  table.c.subject_id, table.c.detail).order_by(table.c.id)).all()
    for r in rows:
        digest = entry_hash(prev, r.id, r.at, r.actor, r.action, r.subject_type, r.subject_id, r.detail)
        bind.execute(table.update().where(table.c.id == r.id).values(prev_hash=prev, hash=digest))
        prev = digest
    if not sqlite:
        # ids are now given by the appender (last + 1, under a lock), not by the sequence
        op.execute("ALTER TABLE audit_log ALTER COLUMN id DROP DEFAULT")
    _create_guard(sqlite, truncate=True)


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    _drop_guard(sqlite)
    if not sqlite:
        op.execute("CREATE SEQUENCE IF NOT EXISTS audit_log_id_seq OWNED BY audit_log.id")
        op.execute("SELECT setval('audit_log_id_seq', COALESCE((SELECT max(id) FROM audit_log), 0) + 1, false)")
        op.execute("ALTER TABLE audit_log ALTER COLUMN id SET DEFAULT nextval('audit_log_id_seq')")
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    _create_guard(sqlite, truncate=False)
