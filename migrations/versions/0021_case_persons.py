"""several persons per change case (issue 14 item 4)

Revision ID: 0021_case_persons
Revises: 0019_team
"""
import sqlalchemy as sa
from alembic import op

revision = "0021_case_persons"
down_revision = "0019_team"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "change_case_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["change_case.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "person_id", name="uq_change_case_person_case_person"),
    )
    with op.batch_alter_table("change_case_person", schema=None) as batch_op:
        batch_op.create_index("ix_change_case_person_person_id", ["person_id"], unique=False)
    # The persons of cases entered before this table: the one person each case names.
    op.execute("INSERT INTO change_case_person (case_id, person_id, position) "
               "SELECT id, person_id, 1 FROM change_case WHERE person_id IS NOT NULL "
               "AND stage IN ('entered', 'cancelled', 'closed')")


def downgrade():
    with op.batch_alter_table("change_case_person", schema=None) as batch_op:
        batch_op.drop_index("ix_change_case_person_person_id")
    op.drop_table("change_case_person")
