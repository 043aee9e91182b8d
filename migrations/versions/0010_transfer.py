"""transfers between committees (迁入/迁出): transfer_request, the case stage awaiting_transfer, forwarded
self-declarations; entry_id_attempt (the entry step's attempt limits)

Revision ID: 0010_transfer
Revises: 0009_monthly
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_transfer"
down_revision = "0009_monthly"
branch_labels = None
depends_on = None

STAGES_OLD = "stage IN ('reported', 'form_handed_out', 'form_collected', 'entered', 'cancelled', 'closed', 'withdrawn')"
STAGES_NEW = ("stage IN ('reported', 'form_handed_out', 'form_collected', 'awaiting_transfer', 'entered', "
              "'cancelled', 'closed', 'withdrawn')")
DECL_OLD = "status IN ('pending', 'matched', 'cancel_case', 'register_case')"
DECL_NEW = "status IN ('pending', 'matched', 'cancel_case', 'register_case', 'forwarded')"


def upgrade():
    op.create_table(
        "transfer_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("from_committee_id", sa.Integer(), nullable=True),
        sa.Column("to_committee_id", sa.Integer(), nullable=False),
        sa.Column("to_house_id", sa.Integer(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("city_system", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=24), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by_fk", sa.Integer(), nullable=True),
        sa.Column("requested_by_name", sa.String(length=128), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_fk", sa.Integer(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("ended_residence_id", sa.Integer(), nullable=True),
        sa.Column("new_residence_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'confirmed', 'refused', 'withdrawn')",
                           name="ck_transfer_request_status"),
        sa.ForeignKeyConstraint(["case_id"], ["change_case.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["from_committee_id"], ["committee.id"]),
        sa.ForeignKeyConstraint(["to_committee_id"], ["committee.id"]),
        sa.ForeignKeyConstraint(["to_house_id"], ["house.id"]),
        sa.ForeignKeyConstraint(["requested_by_fk"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["decided_by_fk"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["ended_residence_id"], ["residence.id"]),
        sa.ForeignKeyConstraint(["new_residence_id"], ["residence.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_transfer_request_from_status", "transfer_request", ["from_committee_id", "status"])
    op.create_index("ix_transfer_request_case", "transfer_request", ["case_id"])
    op.create_index(op.f("ix_transfer_request_person_id"), "transfer_request", ["person_id"])
    op.create_table(
        "entry_id_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["change_case.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_entry_id_attempt_user_at", "entry_id_attempt", ["user_id", "at"])
    op.create_index(op.f("ix_entry_id_attempt_case_id"), "entry_id_attempt", ["case_id"])
    with op.batch_alter_table("change_case", schema=None) as batch_op:
        batch_op.drop_constraint("ck_change_case_stage", type_="check")
        batch_op.create_check_constraint("ck_change_case_stage", STAGES_NEW)
    with op.batch_alter_table("self_declaration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forwarded_from_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_self_declaration_forwarded_from", "self_declaration",
                                    ["forwarded_from_id"], ["id"])
        batch_op.drop_constraint("ck_self_declaration_status", type_="check")
        batch_op.create_check_constraint("ck_self_declaration_status", DECL_NEW)


def downgrade():
    with op.batch_alter_table("self_declaration", schema=None) as batch_op:
        batch_op.drop_constraint("ck_self_declaration_status", type_="check")
        batch_op.create_check_constraint("ck_self_declaration_status", DECL_OLD)
        batch_op.drop_constraint("fk_self_declaration_forwarded_from", type_="foreignkey")
        batch_op.drop_column("forwarded_from_id")
    with op.batch_alter_table("change_case", schema=None) as batch_op:
        batch_op.drop_constraint("ck_change_case_stage", type_="check")
        batch_op.create_check_constraint("ck_change_case_stage", STAGES_OLD)
    op.drop_index(op.f("ix_entry_id_attempt_case_id"), table_name="entry_id_attempt")
    op.drop_index("ix_entry_id_attempt_user_at", table_name="entry_id_attempt")
    op.drop_table("entry_id_attempt")
    op.drop_index(op.f("ix_transfer_request_person_id"), table_name="transfer_request")
    op.drop_index("ix_transfer_request_case", table_name="transfer_request")
    op.drop_index("ix_transfer_request_from_status", table_name="transfer_request")
    op.drop_table("transfer_request")
