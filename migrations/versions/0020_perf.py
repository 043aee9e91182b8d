"""per-committee counts kept by triggers (committee_count): persons, active residences, houses

Revision ID: 0020_perf
Revises: 0019_team
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_perf"
down_revision = "0019_team"
branch_labels = None
depends_on = None


def upgrade():
    from app.models.counts import install_triggers, recount

    op.create_table(
        "committee_count",
        sa.Column("committee_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("persons", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("residences", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("houses", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("committee_id"),
    )
    connection = op.get_bind()
    install_triggers(connection)
    recount(connection)  # a database that already holds a population starts with its counts


def downgrade():
    from app.models.counts import drop_statements

    connection = op.get_bind()
    for statement in drop_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)
    op.drop_table("committee_count")
