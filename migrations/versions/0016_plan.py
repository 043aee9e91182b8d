"""the rest of the plan (issue 16): spot inspections with a checklist, who inspected and which unit, the team
member found working badly; their findings as tasks for the inspected committee; 专项联勤联动 on refusing households

Revision ID: 0016_plan
Revises: 0015_analysis
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_plan"
down_revision = "0015_analysis"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("spot_inspection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("unit", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("checklist_json", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("weak_member_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recorded_by", sa.String(length=128), nullable=True))
        batch_op.create_foreign_key("fk_spot_inspection_weak_member_user_id", "ab_user", ["weak_member_user_id"],
                                    ["id"])
    op.create_table(
        "inspection_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("fixed_at", sa.DateTime(), nullable=True),
        sa.Column("fixed_by", sa.String(length=128), nullable=True),
        sa.Column("fix_note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["committee_id"], ["committee.id"]),
        sa.ForeignKeyConstraint(["inspection_id"], ["spot_inspection.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inspection_finding", schema=None) as batch_op:
        batch_op.create_index("ix_inspection_finding_committee_state", ["committee_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspection_finding_inspection_id"), ["inspection_id"], unique=False)
    op.create_table(
        "joint_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=True),
        sa.Column("change_case_id", sa.Integer(), nullable=True),
        sa.Column("verification_record_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("escalated_on", sa.Date(), nullable=False),
        sa.Column("escalated_by", sa.String(length=128), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column("applied_by", sa.String(length=128), nullable=True),
        sa.Column("platform_ref", sa.String(length=64), nullable=True),
        sa.Column("visited_on", sa.Date(), nullable=True),
        sa.Column("visitors", sa.String(length=500), nullable=True),
        sa.Column("outcome", sa.String(length=500), nullable=True),
        sa.Column("collected", sa.Boolean(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["committee_id"], ["committee.id"]),
        sa.ForeignKeyConstraint(["house_id"], ["house.id"]),
        sa.ForeignKeyConstraint(["change_case_id"], ["change_case.id"]),
        sa.ForeignKeyConstraint(["verification_record_id"], ["verification_record.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("joint_action", schema=None) as batch_op:
        batch_op.create_index("ix_joint_action_committee_stage", ["committee_id", "stage"], unique=False)


def downgrade():
    with op.batch_alter_table("joint_action", schema=None) as batch_op:
        batch_op.drop_index("ix_joint_action_committee_stage")
    op.drop_table("joint_action")
    with op.batch_alter_table("inspection_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_finding_inspection_id"))
        batch_op.drop_index("ix_inspection_finding_committee_state")
    op.drop_table("inspection_finding")
    with op.batch_alter_table("spot_inspection", schema=None) as batch_op:
        batch_op.drop_constraint("fk_spot_inspection_weak_member_user_id", type_="foreignkey")
        batch_op.drop_column("recorded_by")
        batch_op.drop_column("weak_member_user_id")
        batch_op.drop_column("checklist_json")
        batch_op.drop_column("unit")
        batch_op.drop_column("body")
