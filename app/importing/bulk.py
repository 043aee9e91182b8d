"""Bulk writes of the register import: buildings, houses, persons, residences and their audit rows, in batches.

200,000 rows are 600,000 records and as many audit rows: one INSERT per record, or ORM objects with their flush
hooks, would not fit the import's two-minute budget. The writer buffers plain tuples and writes each table in one
go per batch: PostgreSQL ``COPY ... FROM STDIN`` (psycopg 3's ``cursor.copy``), SQLite ``executemany`` on the
driver's cursor. Both run on the session's own connection, inside the session's transaction: the caller commits
or rolls back, as for any service.

Ids are known before the rows are written, so a residence can name its person and house in the same batch:

* PostgreSQL: taken from the table's own sequence (``nextval`` over ``generate_series``), the numbers every other
  writer also draws from, so a concurrent insert can never get the same id;
* SQLite: the writer first takes the database's write lock (a no-op DELETE starts the write transaction), so no
  other connection can insert until the import commits; ids then continue from ``max(id)``, read again at each
  batch in case the session itself inserted in between.

Audit rows take their id from the table (no id column written). Tables are written in foreign-key order.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from sqlalchemy.engine import Connection

from app.domain.natural import natural_key

COLUMNS: dict[str, tuple[str, ...]] = {
    "building": ("id", "committee_id", "name", "name_key"),
    "house": ("id", "committee_id", "building_id", "room", "address", "is_rental", "key_area", "room_key",
              "address_key"),
    "person": ("id", "name", "id_type", "id_number", "sex", "birth_date", "category", "registered_address", "phone",
               "committee_id", "created_at", "updated_at"),
    "residence": ("id", "person_id", "house_id", "committee_id", "start_date", "created_at"),
    "audit_event": ("at", "actor_id", "actor_name", "source", "remote_addr", "action", "model", "record_id",
                    "committee_id", "before", "after", "detail"),
}
# The stored sort keys (app/domain/natural.py) that follow a text column, appended last in COLUMNS' order: a bulk
# write bypasses the models' @validates and the column defaults, so the keys are computed for each row here.
NATURAL_KEYS = {"building": ("name",), "house": ("room", "address")}
ANALYZE_FROM = 1000  # rows written to a table before its first ANALYZE
ORDER = ("building", "house", "person", "residence", "audit_event")  # foreign keys point backwards in this list


_SQLITE_KIND = {  # the columns whose Python value SQLite needs as text or an integer
    "created_at": "datetime", "updated_at": "datetime", "at": "datetime",
    "birth_date": "date", "start_date": "date", "is_rental": "bool", "key_area": "bool",
}


def _sqlite_converter(columns: tuple[str, ...]):
    """A function turning a row into what SQLAlchemy's SQLite types store (so the ORM reads bulk rows as its own):
    only the date, datetime and boolean columns are touched; a datetime seen before is formatted once."""
    kinds = [(i, _SQLITE_KIND[c]) for i, c in enumerate(columns) if c in _SQLITE_KIND]
    stamps: dict[dt.datetime, str] = {}

    def convert(row: tuple) -> tuple:
        row = list(row)
        for index, kind in kinds:
            value = row[index]
            if value is None:
                continue
            if kind == "datetime":
                text = stamps.get(value)
                if text is None:
                    text = stamps[value] = value.strftime("%Y-%m-%d %H:%M:%S.%f")
                row[index] = text
            elif kind == "date":
                row[index] = value.isoformat()
            else:
                row[index] = int(value)
        return row

    return convert


class BulkWriter:
    def __init__(self, connection: Connection, id_chunk: int = 2000):
        self.connection = connection
        self.dialect = connection.dialect.name
        if self.dialect not in ("sqlite", "postgresql"):
            raise NotImplementedError(self.dialect)
        self.id_chunk = max(1, id_chunk)
        self.buffers: dict[str, list[tuple]] = {table: [] for table in ORDER}
        self._pool: dict[str, list[int]] = {}  # PostgreSQL: ids drawn from the sequence, not used yet
        self._next: dict[str, int] = {}  # SQLite: the next free id
        self._stale: set[str] = set()  # SQLite: tables whose max(id) is to be read again
        self.written: dict[str, int] = {table: 0 for table in ORDER}
        self._converters: dict = {}
        self._analyzed: dict[str, int] = {}  # PostgreSQL: rows written when the table was last analysed
        if self.dialect == "sqlite":
            # Take the write lock now: from here until commit no other connection inserts, so max(id) + 1 is ours.
            connection.exec_driver_sql("DELETE FROM building WHERE 0")

    def _driver(self):
        return self.connection.connection.driver_connection

    # -- ids -----------------------------------------------------------------------------------------------------
    def new_id(self, table: str) -> int:
        if self.dialect == "postgresql":
            pool = self._pool.get(table)
            if not pool:
                pool = self._pool[table] = self._draw(table, self.id_chunk)
            return pool.pop()
        if table not in self._next or table in self._stale:
            # Never below an id already handed out: it may still wait in the caller's hands, not yet written.
            current = self.connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table}").scalar()
            self._next[table] = max(current + 1, self._next.get(table, 0))
            self._stale.discard(table)
        value = self._next[table]
        self._next[table] = value + 1
        return value

    def _draw(self, table: str, count: int) -> list[int]:
        rows = self.connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%(table)s, 'id')) FROM generate_series(1, %(count)s)",
            {"table": table, "count": count},
        ).scalars().all()
        return sorted(rows, reverse=True)  # pop() hands them out in increasing order

    # -- rows ----------------------------------------------------------------------------------------------------
    def add(self, table: str, row: tuple) -> None:
        """``row`` in COLUMNS' order without the natural-order keys: they are derived here, as the models do."""
        keyed = NATURAL_KEYS.get(table)
        if keyed:
            row = row + tuple(natural_key(row[COLUMNS[table].index(source)]) for source in keyed)
        self.buffers[table].append(row)

    def pending(self, table: str) -> int:
        return len(self.buffers[table])

    def flush(self) -> None:
        for table in ORDER:
            rows = self.buffers[table]
            if rows:
                self._write(table, COLUMNS[table], rows)
                self.written[table] += len(rows)
                self.buffers[table] = []
                self._analyze_if_grown(table)
        if self.dialect == "sqlite":
            # The session may insert into these tables itself between two batches (an ORM write): read max(id) again.
            self._stale.update(self._next)

    def _analyze_if_grown(self, table: str) -> None:
        """PostgreSQL plans the next batch's lookups from the table's statistics; a register loaded into an empty
        database has none until autovacuum comes (after the commit), so the planner would take the 200,000 new
        rows for a few pages and scan them all for every batch. ANALYZE (inside the transaction: it counts the
        transaction's own rows) each time the import has doubled what it wrote since the last one."""
        if self.dialect != "postgresql" or table == "audit_event":
            return
        written = self.written[table]
        if written >= max(ANALYZE_FROM, 2 * self._analyzed.get(table, 0)):
            self.connection.exec_driver_sql(f"ANALYZE {table}")
            self._analyzed[table] = written

    def _write(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
        names = ", ".join(columns)
        if self.dialect == "postgresql":
            with self._driver().cursor() as cursor:
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            return
        marks = ", ".join("?" for _ in columns)
        convert = self._converters.get(table)
        if convert is None:
            convert = self._converters[table] = _sqlite_converter(columns)
        cursor = self._driver().cursor()
        try:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", map(convert, rows))
        finally:
            cursor.close()
