"""analysis loop: findings (tasks from the rules that find gaps) and sampled verification

Revision ID: 0015_analysis
Revises: 0014_monthly2
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_analysis"
down_revision = "0014_monthly2"
branch_labels = None
depends_on = None

STATUSES = ("open", "fixed", "dismissed", "escalated", "gone")


def upgrade():
    op.create_table(
        "analysis_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("handler_role", sa.String(length=32), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_fk", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("change_case_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")",
                           name="ck_analysis_finding_status"),
        sa.ForeignKeyConstraint(["committee_id"], ["committee.id"]),
        sa.ForeignKeyConstraint(["closed_by_fk"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["change_case_id"], ["change_case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("analysis_finding", schema=None) as batch_op:
        batch_op.create_index("ix_analysis_finding_committee_id_id", ["committee_id", "id"], unique=False)
        batch_op.create_index("ix_analysis_finding_subject", ["rule", "subject_id", "status"], unique=False)
        batch_op.create_index("ix_analysis_finding_status_committee", ["status", "committee_id"], unique=False)

    op.create_table(
        "analysis_sample_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("drawn_on", sa.Date(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
        sa.Column("drawn_by_fk", sa.Integer(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["committee_id"], ["committee.id"]),
        sa.ForeignKeyConstraint(["drawn_by_fk"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("analysis_sample_draw", schema=None) as batch_op:
        batch_op.create_index("ix_analysis_sample_draw_committee_id_id", ["committee_id", "id"], unique=False)

    op.create_table(
        "analysis_sample_item",
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["analysis_sample_draw.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["committee_id"], ["committee.id"]),
        sa.PrimaryKeyConstraint("draw_id", "person_id"),
    )
    with op.batch_alter_table("analysis_sample_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analysis_sample_item_committee_id"), ["committee_id"], unique=False)


def downgrade():
    with op.batch_alter_table("analysis_sample_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_sample_item_committee_id"))
    op.drop_table("analysis_sample_item")
    with op.batch_alter_table("analysis_sample_draw", schema=None) as batch_op:
        batch_op.drop_index("ix_analysis_sample_draw_committee_id_id")
    op.drop_table("analysis_sample_draw")
    with op.batch_alter_table("analysis_finding", schema=None) as batch_op:
        batch_op.drop_index("ix_analysis_finding_status_committee")
        batch_op.drop_index("ix_analysis_finding_subject")
        batch_op.drop_index("ix_analysis_finding_committee_id_id")
    op.drop_table("analysis_finding")
