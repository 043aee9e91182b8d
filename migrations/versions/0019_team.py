"""the team's performance and the community police's year (issue 16 item 4): 酌情加分 entries of the office

Revision ID: 0019_team
Revises: 0018_volunteers
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_team"
down_revision = "0018_volunteers"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "police_bonus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("officer_user_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["officer_user_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("police_bonus", schema=None) as batch_op:
        batch_op.create_index("ix_police_bonus_year_officer", ["year", "officer_user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("police_bonus", schema=None) as batch_op:
        batch_op.drop_index("ix_police_bonus_year_officer")
    op.drop_table("police_bonus")
