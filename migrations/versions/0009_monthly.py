"""talk: several talks per month and target (ties for last, one per police officer), the officer of a police
talk, and superseded talks kept with their reason; verification_latest keys someone found unregistered by the
normalised ID number, so he counts once a month (issue 12)

Revision ID: 0009_monthly
Revises: 0008_security
"""
from alembic import op
import sqlalchemy as sa

revision = "0009_monthly"
down_revision = "0008_security"
branch_labels = None
depends_on = None


def _rebuild_latest():
    """verification_latest now holds one row per unregistered ID number and month: rebuild it from the records."""
    from app.monthly.table import rebuild_all

    meta = sa.MetaData()
    vr = sa.Table("verification_record", meta, autoload_with=op.get_bind())
    latest = sa.Table("verification_latest", meta, autoload_with=op.get_bind())
    rebuild_all(op.get_bind(), vr=vr, latest=latest)


def upgrade():
    with op.batch_alter_table("verification_latest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("found_key", sa.String(length=32), nullable=True))
    _rebuild_latest()
    with op.batch_alter_table("talk", schema=None) as batch_op:
        batch_op.drop_constraint("uq_talk_month_target", type_="unique")
        batch_op.add_column(sa.Column("police_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("superseded_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("superseded_reason", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key("fk_talk_police_user_id_ab_user", "ab_user", ["police_user_id"], ["id"])
        batch_op.create_index("ix_talk_year_month_target", ["year", "month", "target"], unique=False)


def downgrade():
    with op.batch_alter_table("verification_latest", schema=None) as batch_op:
        batch_op.drop_column("found_key")
    with op.batch_alter_table("talk", schema=None) as batch_op:
        batch_op.drop_index("ix_talk_year_month_target")
        batch_op.drop_constraint("fk_talk_police_user_id_ab_user", type_="foreignkey")
        batch_op.drop_column("superseded_reason")
        batch_op.drop_column("superseded_at")
        batch_op.drop_column("police_user_id")
        batch_op.create_unique_constraint("uq_talk_month_target", ["year", "month", "target"])
