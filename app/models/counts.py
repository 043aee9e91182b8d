"""CommitteeCount: per-committee row counts kept by database triggers, so that the home page, the coverage page and
the lists read a committee's persons, active residences and houses from one small row instead of a COUNT(*) over
200,000 rows.

- ``persons``: rows of ``person`` (committee_id NULL counts under committee_id 0, so the street's total is a SUM),
- ``residences``: rows of ``residence`` with ``end_date IS NULL`` (who lives in the committee now),
- ``houses``: rows of ``house``.

The triggers are the database's own (SQLite: row triggers; PostgreSQL: statement triggers over transition tables,
so a bulk load of 200,000 rows costs one UPDATE per committee, not one per row): every write counts, whether it
comes from the ORM, Core bulk inserts (demo data, the register import), raw SQL or a committee move's cascade.
They are created by migration 0020_perf and, for a schema made by ``create_all`` (scripts, other benches), by the
tables' ``after_create`` DDL events declared below.

A decrement only ever updates an existing row (never inserts a negative one): emptying this table and then the
counted tables, in either order, leaves it consistent (empty, or zeros). ``recount(connection)`` rebuilds the
table from the rows (the migration uses it; anyone who bypassed the triggers, e.g. a restore with triggers
disabled, can too).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_appbuilder import Model
from sqlalchemy import Integer, event, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.organisation import House
from app.models.population import Person, Residence


class CommitteeCount(Model):
    __tablename__ = "committee_count"

    # No foreign key: 0 holds the persons without a committee, and the row outlives nothing it must guard.
    committee_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    persons: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    residences: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    houses: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))


@dataclass(frozen=True)
class Counted:
    """One counted table: which column of committee_count, keyed by which expression, counting which rows."""

    table: str
    column: str
    key: str  # an expression over the row's columns, written with the prefix {r}
    where: str  # the rows that count, same prefix ("" = all)
    watched: tuple[str, ...]  # the columns whose update can move a row between counts


COUNTED = (
    Counted(Person.__tablename__, "persons", "COALESCE({r}committee_id, 0)", "", ("committee_id",)),
    Counted(Residence.__tablename__, "residences", "{r}committee_id", "{r}end_date IS NULL",
            ("committee_id", "end_date")),
    Counted(House.__tablename__, "houses", "{r}committee_id", "", ("committee_id",)),
)


def _sqlite_triggers(c: Counted) -> list[str]:
    key_new, key_old = c.key.format(r="NEW."), c.key.format(r="OLD.")
    cond_new = c.where.format(r="NEW.") or "1"
    cond_old = c.where.format(r="OLD.") or "1"
    add = (f"INSERT INTO committee_count (committee_id, {c.column}) SELECT {key_new}, 1 WHERE {cond_new} "
           f"ON CONFLICT (committee_id) DO UPDATE SET {c.column} = {c.column} + 1;")
    remove = (f"UPDATE committee_count SET {c.column} = {c.column} - 1 "
              f"WHERE committee_id = {key_old} AND {cond_old};")
    moved = f"({key_old}) IS NOT ({key_new}) OR ({cond_old}) IS NOT ({cond_new})"
    name = f"committee_count_{c.table}"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {name}_ins AFTER INSERT ON {c.table} BEGIN {add} END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_del AFTER DELETE ON {c.table} BEGIN {remove} END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_upd AFTER UPDATE OF {', '.join(c.watched)} ON {c.table} "
        f"WHEN {moved} BEGIN {remove} {add} END",
    ]


def _postgres_triggers(c: Counted) -> list[str]:
    name = f"committee_count_{c.table}"
    where = f"WHERE {c.where.format(r='')}" if c.where else ""
    key = c.key.format(r="")
    body = f"""
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE committee_count AS cc SET {c.column} = cc.{c.column} - d.n
      FROM (SELECT {key} AS cid, count(*) AS n FROM old_rows {where} GROUP BY 1) AS d
     WHERE cc.committee_id = d.cid;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO committee_count AS cc (committee_id, {c.column})
      SELECT {key}, count(*) FROM new_rows {where} GROUP BY 1 ORDER BY 1
      ON CONFLICT (committee_id) DO UPDATE SET {c.column} = cc.{c.column} + EXCLUDED.{c.column};
  END IF;
  RETURN NULL;
END"""
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body${body}$body$",
        f"DROP TRIGGER IF EXISTS {name}_ins ON {c.table}",
        f"DROP TRIGGER IF EXISTS {name}_upd ON {c.table}",
        f"DROP TRIGGER IF EXISTS {name}_del ON {c.table}",
        f"CREATE TRIGGER {name}_ins AFTER INSERT ON {c.table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        f"CREATE TRIGGER {name}_upd AFTER UPDATE ON {c.table} REFERENCING OLD TABLE AS old_rows "
        f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        f"CREATE TRIGGER {name}_del AFTER DELETE ON {c.table} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]


def trigger_statements(dialect: str, counted: Counted) -> list[str]:
    if dialect == "sqlite":
        return _sqlite_triggers(counted)
    if dialect == "postgresql":
        return _postgres_triggers(counted)
    raise NotImplementedError(f"committee_count triggers for {dialect}")


def drop_statements(dialect: str) -> list[str]:
    out = []
    for c in COUNTED:
        name = f"committee_count_{c.table}"
        for suffix in ("ins", "upd", "del"):
            out.append(f"DROP TRIGGER IF EXISTS {name}_{suffix}" + (f" ON {c.table}" if dialect != "sqlite" else ""))
        if dialect != "sqlite":
            out.append(f"DROP FUNCTION IF EXISTS {name}()")
    return out


def install_triggers(connection) -> None:
    """Create (or replace) every counting trigger on ``connection``'s database."""
    for c in COUNTED:
        for statement in trigger_statements(connection.dialect.name, c):
            connection.exec_driver_sql(statement)


def recount(connection) -> None:
    """Rebuild committee_count from the counted tables (one GROUP BY per table)."""
    connection.exec_driver_sql("DELETE FROM committee_count")
    for c in COUNTED:
        where = f"WHERE {c.where.format(r='')}" if c.where else "WHERE 1 = 1"  # SQLite's upsert needs a WHERE
        connection.exec_driver_sql(
            f"INSERT INTO committee_count (committee_id, {c.column}) "
            f"SELECT {c.key.format(r='')}, count(*) FROM {c.table} {where} GROUP BY {c.key.format(r='')} "
            f"ON CONFLICT (committee_id) DO UPDATE SET {c.column} = EXCLUDED.{c.column}")


def _counted_table_created(counted: Counted):
    def create(table, connection, **_kw) -> None:
        for statement in trigger_statements(connection.dialect.name, counted):
            connection.exec_driver_sql(statement)
    return create


# A schema made by create_all gets the triggers with the counted tables (the migrations make them in 0020_perf).
# Trigger bodies name committee_count only when they run, so the creation order of the tables does not matter.
for _counted, _table in zip(COUNTED, (Person.__table__, Residence.__table__, House.__table__)):
    event.listen(_table, "after_create", _counted_table_created(_counted))

__all__ = ["COUNTED", "CommitteeCount", "install_triggers", "recount"]
