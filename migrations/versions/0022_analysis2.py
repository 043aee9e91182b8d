"""analysis loop, part 2: analysis_committee_month, the dashboard's derived table (issue 17)

Revision ID: 0022_analysis2
Revises: 0021_case_persons
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_analysis2"
down_revision = "0021_case_persons"
branch_labels = None
depends_on = None

COUNTS = ("changes", "changes_total", "changes_on_time", "findings_opened", "findings_closed",
          "findings_month_overdue")
SNAPSHOT = ("persons_shanghai_household", "persons_separated", "persons_migrant", "checked", "houses",
            "houses_seen", "registered", "persons_seen", "findings", "findings_overdue")


def upgrade():
    op.create_table(
        "analysis_committee_month",
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        sa.Column("rank", sa.Integer(), nullable=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in SNAPSHOT],
        sa.Column("findings_by_rule", sa.String(length=1000), nullable=False),
        sa.Column("snapshot_on", sa.Date(), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["committee_id"], ["committee.id"]),
        sa.PrimaryKeyConstraint("committee_id", "year", "month"),
    )
    op.create_index("ix_analysis_committee_month_year_committee", "analysis_committee_month",
                    ["year", "committee_id"])


def downgrade():
    op.drop_index("ix_analysis_committee_month_year_committee", table_name="analysis_committee_month")
    op.drop_table("analysis_committee_month")
