"""several persons per change case (issue 14 item 4); natural sort keys of buildings and houses (item 7)

Revision ID: 0021_case_persons
Revises: 0020_perf
"""
import sqlalchemy as sa
from alembic import op

from app.domain.natural import natural_key

revision = "0021_case_persons"
down_revision = "0020_perf"
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

    # Natural order (1号楼 … 9号楼, 10号楼): stored keys, backfilled here, kept by the models on every write.
    with op.batch_alter_table("building", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=255), nullable=False, server_default=""))
    with op.batch_alter_table("house", schema=None) as batch_op:
        batch_op.add_column(sa.Column("room_key", sa.String(length=255), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("address_key", sa.String(length=255), nullable=False, server_default=""))
    _backfill("building", ("name",))
    _backfill("house", ("room", "address"))
    with op.batch_alter_table("building", schema=None) as batch_op:
        batch_op.alter_column("name_key", server_default=None)
        batch_op.create_index("ix_building_name_key", ["name_key", "id"], unique=False)
        batch_op.create_index("ix_building_committee_name_key", ["committee_id", "name_key", "id"], unique=False)
    with op.batch_alter_table("house", schema=None) as batch_op:
        batch_op.alter_column("room_key", server_default=None)
        batch_op.alter_column("address_key", server_default=None)
        batch_op.create_index("ix_house_address_key", ["address_key", "id"], unique=False)
        batch_op.create_index("ix_house_committee_address_key", ["committee_id", "address_key", "id"], unique=False)
        batch_op.create_index("ix_house_building_room_key", ["building_id", "room_key", "id"], unique=False)
    _keep_count_triggers()


def _keep_count_triggers() -> None:
    """SQLite's batch mode rebuilds building and house as new tables, which drops 0020's committee_count triggers
    on them: put them back (idempotent; PostgreSQL alters in place and keeps its triggers)."""
    from app.models.counts import install_triggers

    install_triggers(op.get_bind())


def _backfill(table: str, columns: tuple[str, ...], batch: int = 5000) -> None:
    """Each row's keys from its text, in batches (a street's 200,000 houses without holding them all)."""
    conn = op.get_bind()
    t = sa.table(table, sa.column("id", sa.Integer), *(sa.column(c, sa.String) for c in columns),
                 *(sa.column(f"{c}_key", sa.String) for c in columns))
    update = (sa.update(t).where(t.c.id == sa.bindparam("b_id"))
              .values({f"{c}_key": sa.bindparam(f"b_{c}") for c in columns}))
    last = 0
    while True:
        rows = conn.execute(sa.select(t.c.id, *(t.c[c] for c in columns)).where(t.c.id > last)
                            .order_by(t.c.id).limit(batch)).all()
        if not rows:
            return
        conn.execute(update, [{"b_id": row[0], **{f"b_{c}": natural_key(row[i + 1]) for i, c in enumerate(columns)}}
                              for row in rows])
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table("house", schema=None) as batch_op:
        batch_op.drop_index("ix_house_building_room_key")
        batch_op.drop_index("ix_house_committee_address_key")
        batch_op.drop_index("ix_house_address_key")
        batch_op.drop_column("address_key")
        batch_op.drop_column("room_key")
    with op.batch_alter_table("building", schema=None) as batch_op:
        batch_op.drop_index("ix_building_committee_name_key")
        batch_op.drop_index("ix_building_name_key")
        batch_op.drop_column("name_key")
    with op.batch_alter_table("change_case_person", schema=None) as batch_op:
        batch_op.drop_index("ix_change_case_person_person_id")
    op.drop_table("change_case_person")
    _keep_count_triggers()
