"""login_lock: temporary sign-in locks per account name and client address; ab_user.locked_at goes (failed
sign-ins no longer deactivate an account)

Revision ID: 0008_security
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_security"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=256), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("unseen", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("last_address", sa.String(length=64), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "key", name="uq_login_lock_kind_key"),
    )
    with op.batch_alter_table("login_lock", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_lock_locked_until"), ["locked_until"], unique=False)
    # Accounts the old rule deactivated after five failures are active again: the lock was never the admin's
    # decision.
    op.execute("UPDATE ab_user SET active = true WHERE locked_at IS NOT NULL")
    with op.batch_alter_table("ab_user", schema=None) as batch_op:
        batch_op.drop_column("locked_at")


def downgrade():
    with op.batch_alter_table("ab_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("login_lock", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_lock_locked_until"))
    op.drop_table("login_lock")
