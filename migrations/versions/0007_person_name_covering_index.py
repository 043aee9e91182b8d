"""person: the name index also covers committee_id (scoped lists sorted by name read only the index)

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_name_id")
        batch_op.create_index("ix_person_name_id_committee", ["name", "id", "committee_id"], unique=False)


def downgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_name_id_committee")
        batch_op.create_index("ix_person_name_id", ["name", "id"], unique=False)
