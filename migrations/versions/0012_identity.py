"""identity: stored document numbers in their normal form, so the unique index on person.id_number holds one
identity per number for rows written before the rule (" 310115…", full-width digits, a lower-case x)

Revision ID: 0012_identity
Revises: 0011_daily
"""
import sqlalchemy as sa
from alembic import op

from app.domain.idnumber import normalise_identifier

revision = "0012_identity"
down_revision = "0011_daily"
branch_labels = None
depends_on = None


def upgrade():
    # The schema already has the unique constraint; only the data may be in another spelling. Two rows that are
    # the same number once normalised are two records of one person: they are left as they are and listed, since
    # merging identities is the office's decision, not a migration's.
    person = sa.table("person", sa.column("id", sa.Integer), sa.column("id_number", sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(person.c.id, person.c.id_number)).all()
    taken = {number for _pk, number in rows}
    for pk, number in rows:
        normal = normalise_identifier(number)
        if not normal or normal == number:
            continue
        if normal in taken:
            print(f"0008_identity: person {pk} duplicates another person's number once normalised; left as is")
            continue
        bind.execute(person.update().where(person.c.id == pk).values(id_number=normal))
        taken.discard(number)
        taken.add(normal)


def downgrade():
    pass  # the old spellings are not kept: the normal form is the same number
