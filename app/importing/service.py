"""Loading the flat register: check (writes nothing) and import (all-or-nothing unless skip_invalid).

A check (dry run) reads the file once and writes nothing; an import reads it once too, checking and writing batch
by batch (app/importing/workbook.py reads with python-calamine). Rows are checked by the cell rules of
app/importing/rows.py, then by what needs the database: scope, persons living elsewhere, possible duplicates.
Batches of ``IMPORT_BATCH_ROWS`` rows look up their persons, reviews and residences with one IN query each. New
buildings, houses, persons and residences, with their "create" audit rows, go through app/importing/bulk.py
(PostgreSQL COPY, SQLite executemany): 200,000 ORM objects with their flush hooks would not fit the two-minute
budget. Changes to existing persons and residences go through the ORM, so the audit flush hook records
before/after as for any other write. All-or-nothing: from the first bad row on an import stops writing and the
caller rolls back (unless skip_invalid).

A check and an import decide every row the same way, so a check counts what the import will do: the same number
twice with another name is an error wherever the rows are (RowChecker remembers every number), and a row with the
name and birth date of a person an earlier row creates is held for review as one matching a registered person is.

Scope: the caller passes the committees the importer may touch (None = all, for the CLI without --as). A row of
another committee is a row error. A person is looked up by ID number over the whole register only to refuse the
row (the unique number would refuse it anyway); nothing outside the scope is read into the result or changed.

Services never commit: the CLI command or the Celery task commits (or rolls back).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional

from flask import current_app
from sqlalchemy import Date, String, and_, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY

from app.domain.refusal import Refused
from app.audit import recorder
from app.domain import clock
from app.extensions import db
from app.importing.bulk import BulkWriter
from app.importing.models import (
    REVIEW_APART, REVIEW_MERGED, REVIEW_PENDING, REVIEW_SAME_NAME_BIRTH, REVIEW_UPGRADED_15, ImportReview,
)
from app.importing.rows import CheckedRow, RowChecker, RowError, TooManyRows, iter_sheet_rows
from app.importing.workbook import RegisterSheet, UnreadableWorkbook
from app.changes.models import TRANSFER_PENDING, TransferRequest
from app.changes.service import CaseRefused
from app.changes.transfers import request_transfer
from app.models import Building, Committee, House, Person, PortalUser, Residence
from app.settings import current_rules
from app.importing.messages import row_message
from app.importing.rows import CATEGORY_LABEL, HEADERS, ID_TYPE_LABEL

MOVE_REASON = "导入：迁至本居委新地址"  # the reason written on a residence an import replaces (a plain record)


class ImportRefused(Refused, ValueError):
    """The whole file is refused (too large, unreadable, no header, too many rows): ``code`` + ``params``."""


@dataclass
class Summary:
    rows: int = 0
    valid: int = 0
    errors: int = 0
    persons_created: int = 0
    houses_created: int = 0
    buildings_created: int = 0
    residences_created: int = 0
    updated: int = 0
    unchanged: int = 0
    review: int = 0
    transfers: int = 0
    dry_run: bool = True
    imported: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Outcome:
    summary: Summary
    errors: list[dict] = field(default_factory=list)  # {"row", "column", "code", "params"}
    notes: list[dict] = field(default_factory=list)  # same shape: what a check says the import will do
    sha256: str = ""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def limits() -> tuple[int, int]:
    config = current_app.config
    return int(config.get("IMPORT_MAX_MB", 30)), int(config.get("IMPORT_MAX_ROWS", 250_000))


def batch_rows() -> int:
    return max(1, int(current_app.config.get("IMPORT_BATCH_ROWS", 2000)))


def _open(path: Path) -> RegisterSheet:
    try:
        return RegisterSheet(path)
    except UnreadableWorkbook as exc:
        params = {"missing": "、".join(exc.missing) or "—"} if exc.code == "no_header" else {}
        raise ImportRefused(exc.code, **params) from None


def import_register(path: Path | str, scope: Optional[frozenset[int]], *, dry_run: bool, skip_invalid: bool,
                    progress: Optional[Callable[[int, Optional[int], str], None]] = None,
                    job_id: Optional[int] = None, actor_id: Optional[int] = None) -> Outcome:
    """Check ``path`` and, unless ``dry_run`` or it has errors (and not ``skip_invalid``), import it into the
    session. Raises ImportRefused for a file refused as a whole.

    An import reads the file once: it checks and writes batch by batch, and from the first bad row on (unless
    ``skip_invalid``) it stops writing and only counts, exactly as a check counts. The summary then says
    ``imported: false`` and the caller rolls back what the first batches wrote (the CLI and the task do), so a file
    with a bad row imports nothing. The caller commits or rolls back."""
    path = Path(path)
    max_mb, max_rows = limits()
    if path.stat().st_size > max_mb * 1024 * 1024:
        raise ImportRefused("too_large", max=max_mb)
    sha = file_sha256(path)
    committees = dict(db.session.execute(select(Committee.name, Committee.id)).all())
    in_scope = (lambda cid: True) if scope is None else (lambda cid: cid in scope)
    today = clock.local_today(current_rules())

    outcome = _run_pass(path, committees, in_scope, scope, today, max_rows, batch_rows(), write=not dry_run,
                        stop_on_error=not skip_invalid, progress=progress, job_id=job_id, actor_id=actor_id)
    outcome.sha256 = sha
    summary = outcome.summary
    summary.imported = not dry_run and summary.valid > 0 and not (summary.errors and not skip_invalid)
    summary.dry_run = not summary.imported
    return outcome


class _Pass:
    """One read of the file: caches of buildings and houses of the committees in scope, the counts, the errors."""

    def __init__(self, scope, in_scope, headers, today, write: bool, job_id, actor_id, batch_rows: int):
        self.write, self.today, self.job_id, self.actor_id = write, today, job_id, actor_id
        self.in_scope, self.headers = in_scope, headers
        self.summary = Summary(dry_run=not write)
        self.errors: list[dict] = []
        self.notes: list[dict] = []  # rows that are not errors but worth naming in a check (a transfer to request)
        self.fake_id = 0
        building_q = select(Building.committee_id, Building.name, Building.id)
        house_q = select(House.building_id, House.room, House.id)
        if scope is not None:
            building_q = building_q.where(Building.committee_id.in_(sorted(scope)))
            house_q = house_q.where(House.committee_id.in_(sorted(scope)))
        self.buildings = {(c, n): i for c, n, i in db.session.execute(building_q)}
        self.houses = {(b, r): i for b, r, i in db.session.execute(house_q)}
        # The persons this file creates, by (name, birth date): a later row with the same name and birth date and
        # another number is a possible duplicate, in the check as in the import, whatever batch it falls in.
        self.created: dict[tuple[str, dt.date], int] = {}
        # A row whose person is registered in a committee outside the importer's area becomes a transfer request
        # (app/changes/transfers.py) made as the importing user, who must therefore be known (--as, or the page).
        self.user = db.session.get(PortalUser, actor_id) if actor_id else None
        self.scope = scope
        self.actor = recorder.current_actor()
        self.writer = BulkWriter(db.session.connection(), id_chunk=batch_rows) if write else None
        self.held: list[tuple[CheckedRow, int, str]] = []  # reviews to add once the batch's persons are written
        self.now = clock.utcnow()

    def stop_writing(self) -> None:
        """A bad row in an all-or-nothing import: the rest of the file is only counted (the caller rolls back)."""
        self.write, self.writer, self.held = False, None, []

    def new_id(self, table: str) -> int:
        if self.writer is not None:
            return self.writer.new_id(table)
        self.fake_id -= 1  # a check writes nothing: a placeholder that no real id can equal
        return self.fake_id

    def error(self, row: CheckedRow, err: RowError) -> None:
        self.errors.append({"row": row.row_no, "column": err.column, "code": err.code, "params": err.params})

    def audit_create(self, model: str, record_id: int, committee_id: int, after: dict) -> None:
        """The "create" audit row of a bulk-written record, as the flush hook writes it for a form."""
        user_id, name, source, address = self.actor
        payload = json.dumps({k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in after.items()},
                             ensure_ascii=False)
        self.writer.add("audit_event", (
            self.now, user_id, name, source, address, "create", model, record_id, committee_id, None, payload,
            f"import job={self.job_id}" if self.job_id else "import"))


def _run_pass(path, committees, in_scope, scope, today, max_rows, batch_rows, *, write, stop_on_error, progress,
              job_id, actor_id) -> Outcome:
    sheet = _open(path)
    try:
        headers = {name: header for name, (_index, header) in sheet.mapping.items()}
        state = _Pass(scope, in_scope, headers, today, write, job_id, actor_id, batch_rows)
        checker = RowChecker(sheet.mapping, committees, in_scope, today)
        total = sheet.declared_rows
        phase = "import" if write else "check"
        batch: list[CheckedRow] = []
        for row_no, cells in iter_sheet_rows(sheet.rows(), max_rows):
            batch.append(checker.check(row_no, cells))
            if len(batch) >= batch_rows:
                _handle_batch(state, batch, stop_on_error)
                batch = []
                if progress:
                    progress(state.summary.rows, total, phase)
        if batch:
            _handle_batch(state, batch, stop_on_error)
    except TooManyRows as exc:
        raise ImportRefused("too_many_rows", max=exc.limit) from None
    except UnreadableWorkbook as exc:
        raise ImportRefused(exc.code) from None
    finally:
        sheet.close()
    if progress:
        progress(state.summary.rows, state.summary.rows, phase)
    return Outcome(state.summary, state.errors, state.notes)


def _handle_batch(state: _Pass, batch: list[CheckedRow], stop_on_error: bool) -> None:
    summary = state.summary
    summary.rows += len(batch)
    for row in batch:
        for err in row.errors:
            state.error(row, err)
    good = [r for r in batch if r.ok]
    summary.errors += len(batch) - len(good)
    if stop_on_error and summary.errors and state.write:
        state.stop_writing()
    if not good:
        return

    numbers = {r.values["id_number"] for r in good} | {r.upgraded_from for r in good if r.upgraded_from}
    existing = {
        p.id_number: p for p in db.session.execute(
            select(Person.id, Person.id_number, Person.name, Person.committee_id, Person.phone,
                   Person.registered_address, Person.category).where(Person.id_number.in_(sorted(numbers)))
        )
    }
    reviews = {}
    for review in db.session.execute(
        select(ImportReview.id_number, ImportReview.state, ImportReview.person_id)
        .where(ImportReview.id_number.in_(sorted(numbers)))
    ):
        if review.state != REVIEW_APART:
            reviews[review.id_number] = review
    merged_ids = [r.person_id for r in reviews.values() if r.state == REVIEW_MERGED]
    merged_people = {}
    if merged_ids:
        merged_people = {p.id: p for p in db.session.execute(
            select(Person.id, Person.id_number, Person.name, Person.committee_id, Person.phone,
                   Person.registered_address, Person.category).where(Person.id.in_(merged_ids)))}
    person_ids = [p.id for p in existing.values()] + list(merged_people)
    # Persons with a transfer already pending: importing the file again must not ask twice.
    pending_transfer = set()
    if person_ids:
        pending_transfer = set(db.session.scalars(select(TransferRequest.person_id).where(
            TransferRequest.person_id.in_(person_ids), TransferRequest.status == TRANSFER_PENDING)))
    active = {}
    if person_ids:
        active = {r.person_id: r for r in db.session.execute(
            select(Residence.id, Residence.person_id, Residence.house_id, Residence.start_date)
            .where(Residence.person_id.in_(person_ids), Residence.end_date.is_(None)))}
    # Possible duplicates: same name and birth date, another number, among the persons the importer may see
    # (one query on the (name, birth date) pairs of the rows that would create someone).
    pairs = {(r.values["name"], r.values["birth_date"]) for r in good
             if r.values["id_number"] not in existing and not r.values.get("repeat_of")}
    candidates: dict[tuple[str, dt.date], int] = {}
    if pairs:
        for p in db.session.execute(_same_name_birth_query(sorted(pairs))):
            if p.committee_id is None or state.in_scope(p.committee_id):
                candidates.setdefault((p.name, p.birth_date), p.id)

    new_persons: list[tuple[CheckedRow, int]] = []  # (row, the id it will have)
    new_residences: list[tuple[dict, int]] = []  # (values, person id): moves within the committee
    updates: list[tuple[CheckedRow, object]] = []
    for row in good:
        v = row.values
        if v.get("repeat_of"):
            summary.valid += 1
            summary.unchanged += 1
            continue
        number = v["id_number"]
        review = reviews.get(number)
        if review is not None and review.state == REVIEW_PENDING:
            summary.valid += 1
            summary.unchanged += 1
            continue
        person = existing.get(number)
        merged = review is not None and review.state == REVIEW_MERGED  # decided before: the row is that person
        if merged:
            person = merged_people.get(review.person_id) or person
        if person is not None and row.upgraded_from and not merged and person.id_number == number and \
                existing.get(row.upgraded_from) is None:
            _hold(state, row, person.id, REVIEW_UPGRADED_15)
            continue
        if person is None and row.upgraded_from:
            person = existing.get(row.upgraded_from)
        if person is not None:
            if person.committee_id is not None and person.committee_id != v["committee_id"]:
                _transfer(state, row, person, person.id in pending_transfer)
                continue
            updates.append((row, person))
            continue
        key = (v["name"], v["birth_date"])
        if key in candidates:
            _hold(state, row, candidates[key], REVIEW_SAME_NAME_BIRTH)
            continue
        if key in state.created:  # an earlier row of this file creates someone with this name and birth date
            _hold(state, row, state.created[key], REVIEW_SAME_NAME_BIRTH)
            continue
        person_id = state.new_id("person")
        state.created[key] = person_id
        new_persons.append((row, person_id))

    # Existing persons: field updates and moves, through the ORM (audited with before/after).
    for row, person in updates:
        v = row.values
        house_id = _house_id(state, v)
        current = active.get(person.id)
        changes = {k: v[k] for k in ("phone", "registered_address", "category", "name")
                   if v.get(k) and v[k] != getattr(person, k)}
        moves = current is None or current.house_id != house_id
        if current is not None and moves and v["start_date"] < current.start_date:
            err = RowError(row_header(state, row, "start_date"), "date_before_current")
            state.error(row, err)
            summary.errors += 1
            continue
        summary.valid += 1
        if not changes and not moves:
            summary.unchanged += 1
            continue
        summary.updated += 1
        if not state.write:
            if moves:
                summary.residences_created += 1
            continue
        if changes:
            obj = db.session.get(Person, person.id)
            for k, value in changes.items():
                setattr(obj, k, value)
        if moves:
            if current is not None:
                old = db.session.get(Residence, current.id)
                old.end_date, old.end_reason = v["start_date"], MOVE_REASON
            new_residences.append((v, person.id))
    if state.write and updates:
        db.session.flush()  # the cancelled residences first: one open residence per person (partial index)

    for row, _person_id in new_persons:
        summary.valid += 1
        summary.persons_created += 1
        _house_id(state, row.values)
    summary.residences_created += len(new_persons) + len(new_residences)
    if state.write:
        _write_new(state, new_persons, new_residences)


def _same_name_birth_query(pairs: list[tuple[str, dt.date]]):
    """The persons with one of these (name, birth date) pairs. PostgreSQL joins the pairs as two arrays (a row-value
    IN list of 2,000 pairs becomes an OR the planner may scan the table with, once per batch); SQLite reads the
    name index for each pair of the IN list."""
    columns = (Person.id, Person.name, Person.birth_date, Person.committee_id)
    if db.session.get_bind().dialect.name == "postgresql":
        wanted = func.unnest(
            bindparam("names", [n for n, _b in pairs], type_=ARRAY(String)),
            bindparam("births", [b for _n, b in pairs], type_=ARRAY(Date)),
        ).table_valued("name", "birth_date").render_derived(name="wanted", with_types=False)
        return select(*columns).join(wanted, and_(Person.name == wanted.c.name,
                                                  Person.birth_date == wanted.c.birth_date))
    return select(*columns).where(tuple_(Person.name, Person.birth_date).in_(pairs))


def _transfer(state: _Pass, row: CheckedRow, person, pending: bool) -> None:
    """A row whose person is registered in another committee: not an overwrite but a transfer for that committee
    to confirm (request_transfer), counted as "transfers" (a check reports it as would-request). A transfer
    already pending for the person leaves the row unchanged, so importing the file again asks once. A person of a
    committee inside the importer's own area is for the importer to move (the change flow), not a transfer: the
    row stays an error."""
    summary, v = state.summary, row.values
    elsewhere = state.scope is not None and person.committee_id not in state.scope
    if not elsewhere or (state.write and state.user is None):
        err = RowError(row_header(state, row, "committee"), "lives_elsewhere")
        row.errors.append(err)
        state.error(row, err)
        summary.errors += 1
        return
    summary.valid += 1
    if pending:
        summary.unchanged += 1
        return
    if state.write:
        house_id = _house_id(state, v)
        state.writer.flush()  # the house may be new: written before the request names it
        try:
            request_transfer(v["id_number"], house_id, actor=state.user, entry_date=v["start_date"],
                             category=v["category"])
        except CaseRefused:
            summary.valid -= 1
            err = RowError(row_header(state, row, "committee"), "lives_elsewhere")
            row.errors.append(err)
            state.error(row, err)
            summary.errors += 1
            return
    else:
        state.notes.append({"row": row.row_no, "column": row_header(state, row, "committee"),
                            "code": "transfer_would_request", "params": {}})
    summary.transfers += 1


def row_header(state: _Pass, row: CheckedRow, field_name: str) -> str:
    return state.headers.get(field_name, "")


def _hold(state: _Pass, row: CheckedRow, person_id: int, reason: str) -> None:
    """A possible duplicate: queued for review instead of being created (added once the batch is written: the
    person it may duplicate can be one this batch creates)."""
    state.summary.valid += 1
    state.summary.review += 1
    if state.write:
        state.held.append((row, person_id, reason))


def _add_reviews(state: _Pass) -> None:
    for row, person_id, reason in state.held:
        v = row.values
        payload = {k: (val.isoformat() if isinstance(val, dt.date) else val) for k, val in v.items()
                   if k not in ("repeat_of",)}
        payload["row_no"] = row.row_no
        if row.upgraded_from:
            payload["upgraded_from"] = row.upgraded_from
        db.session.add(ImportReview(
            job_id=state.job_id, committee_id=v["committee_id"], person_id=person_id, reason=reason,
            id_number=v["id_number"], name=v["name"], row=payload, state=REVIEW_PENDING, created_at=state.now,
        ))
    state.held = []


def _house_id(state: _Pass, v: dict) -> int:
    """The house of a row (its building and room in the row's committee), created when missing (a placeholder
    id in a check, which writes nothing; in an import the rows wait in the bulk writer until the batch ends)."""
    committee_id, building_name, room = v["committee_id"], v["address"], v["room"]
    building_id = state.buildings.get((committee_id, building_name))
    if building_id is None:
        state.summary.buildings_created += 1
        building_id = state.new_id("building")
        if state.write:
            state.writer.add("building", (building_id, committee_id, building_name))
        state.buildings[(committee_id, building_name)] = building_id
    house_id = state.houses.get((building_id, room))
    if house_id is None:
        state.summary.houses_created += 1
        house_id = state.new_id("house")
        if state.write:
            address = f"{building_name}{room}室"
            state.writer.add("house", (house_id, committee_id, building_id, room, address, False, False))
            state.audit_create("House", house_id, committee_id, {
                "committee_id": committee_id, "building_id": building_id, "room": room, "address": address,
                "is_rental": False, "key_area": False})
        state.houses[(building_id, room)] = house_id
    return house_id


def _write_new(state: _Pass, new_persons, new_residences) -> None:
    """The batch's new persons and residences (houses and buildings are already in the writer), then the reviews
    that name them."""
    writer, now = state.writer, state.now
    for row, person_id in new_persons:
        v = row.values
        values = {
            "name": v["name"], "id_type": v["id_type"], "id_number": v["id_number"], "sex": v["sex"],
            "birth_date": v["birth_date"], "category": v["category"],
            "registered_address": v["registered_address"] or None, "phone": v["phone"] or None,
            "committee_id": v["committee_id"],
        }
        writer.add("person", (person_id, values["name"], values["id_type"], values["id_number"], values["sex"],
                              values["birth_date"], values["category"], values["registered_address"],
                              values["phone"], values["committee_id"], now, now))
        state.audit_create("Person", person_id, values["committee_id"], values)
        new_residences.append((v, person_id))
    for v, person_id in new_residences:
        residence_id = writer.new_id("residence")
        house_id = state.houses[(state.buildings[(v["committee_id"], v["address"])], v["room"])]
        writer.add("residence", (residence_id, person_id, house_id, v["committee_id"], v["start_date"], now))
        state.audit_create("Residence", residence_id, v["committee_id"], {
            "person_id": person_id, "house_id": house_id, "committee_id": v["committee_id"],
            "start_date": v["start_date"]})
    writer.flush()
    _add_reviews(state)


# -- the review queue ---------------------------------------------------------------------------------------------

class ReviewGone(LookupError):
    pass


def decide_review(review_id: int, decision: str, scope: Optional[frozenset[int]], actor_id: Optional[int]) -> None:
    """Merge (the row updates the existing person; the row's number is remembered so a re-import is unchanged)
    or keep apart (the row becomes a new person). Out of scope or already decided → ReviewGone."""
    review = db.session.get(ImportReview, review_id)
    if review is None or review.state != REVIEW_PENDING or (scope is not None and review.committee_id not in scope):
        raise ReviewGone(review_id)
    v = dict(review.row)
    v["start_date"] = dt.date.fromisoformat(v["start_date"])
    if v.get("birth_date"):
        v["birth_date"] = dt.date.fromisoformat(v["birth_date"])
    house = _house_orm(v)
    if decision == REVIEW_MERGED:
        person = db.session.get(Person, review.person_id)
        if person is None or (scope is not None and person.committee_id is not None
                              and person.committee_id not in scope):
            raise ReviewGone(review_id)
        for k in ("phone", "registered_address", "category"):
            if v.get(k) and getattr(person, k) != v[k]:
                setattr(person, k, v[k])
        current = next((r for r in person.residences if r.end_date is None), None)
        if current is None or current.house_id != house.id:
            if current is not None:
                current.end_date, current.end_reason = max(v["start_date"], current.start_date), MOVE_REASON
                db.session.flush()
            db.session.add(Residence(person=person, house=house, start_date=v["start_date"]))
    elif decision == REVIEW_APART:
        person = Person(name=v["name"], id_type=v["id_type"], id_number=v["id_number"], sex=v.get("sex"),
                        birth_date=v.get("birth_date"), category=v["category"],
                        registered_address=v.get("registered_address") or None, phone=v.get("phone") or None)
        db.session.add(person)
        db.session.add(Residence(person=person, house=house, start_date=v["start_date"]))
    else:
        raise ValueError(decision)
    review.state, review.decided_by, review.decided_at = decision, actor_id, clock.utcnow()
    db.session.flush()
    recorder.record(f"import_review_{decision}", model="ImportReview", record_id=review.id,
                    committee_id=review.committee_id,
                    detail=f"person={review.person_id} row={v.get('row_no')} reason={review.reason}", commit=False)


def _house_orm(v: dict) -> House:
    building = db.session.execute(select(Building).where(
        Building.committee_id == v["committee_id"], Building.name == v["address"])).scalar_one_or_none()
    if building is None:
        building = Building(committee_id=v["committee_id"], name=v["address"])
        db.session.add(building)
        db.session.flush()
    house = db.session.execute(select(House).where(
        House.building_id == building.id, House.room == v["room"])).scalar_one_or_none()
    if house is None:
        house = House(building=building, room=v["room"], address=f"{v['address']}{v['room']}室")
        db.session.add(house)
        db.session.flush()
    return house


def record_import(file_name: str, sha256: str, outcome_summary: dict, job_id: Optional[int] = None) -> None:
    """The audit event of one import or check: who (the actor), file name, hash, counts. Not committed here."""
    counts = " ".join(f"{k}={v}" for k, v in outcome_summary.items())
    recorder.record("import_register", model="ImportJob", record_id=job_id,
                    detail=f"file={file_name} sha256={sha256} {counts}"[:4000], commit=False)


def errors_report_rows(errors: list[dict]):
    for e in errors:
        yield [e["row"], e["column"], row_message(e["code"], e.get("params") or {})]


def stored_path(job_id: int, file_name: str) -> Path:
    directory = Path(current_app.config.get("IMPORTS_DIR") or "instance/imports")
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".xlsx"
    return directory / f"import-{job_id}{suffix}"


def remove_file(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def register_rows(scope: Optional[frozenset[int]], limit: int):
    """The flat register of the persons living in ``scope`` (open residences), in the import's own columns, so an
    export can be imported again unchanged (the round trip). Returns (count, rows)."""
    from sqlalchemy import false, func


    query = (select(Committee.name, Building.name, House.room, Person.name, Person.id_type, Person.id_number,
                    Person.category, Person.registered_address, Person.phone, Residence.start_date)
             .select_from(Residence).join(Person, Person.id == Residence.person_id)
             .join(House, House.id == Residence.house_id).join(Building, Building.id == House.building_id)
             .join(Committee, Committee.id == Residence.committee_id).where(Residence.end_date.is_(None)))
    if scope is not None:
        query = query.where(Residence.committee_id.in_(sorted(scope)) if scope else false())
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    if total > limit:
        return total, None
    rows = db.session.execute(query.order_by(Committee.seq, Building.name_key, House.room_key, Person.id))

    def generate():
        for c, b, room, name, id_type, number, category, registered, phone, start in rows:
            yield [c, b, room, name, ID_TYPE_LABEL.get(id_type, id_type), number, CATEGORY_LABEL.get(category, category),
                   registered or "", phone or "", start.isoformat()]

    return total, (list(HEADERS), generate())
