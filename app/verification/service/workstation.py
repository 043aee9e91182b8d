"""The workstation's checks: residents' self-declarations (the public QR page) and the service centre's window
cases, each checked against the register; a finding opens a change case like a mark on the sweep."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
from dataclasses import dataclass, field
from typing import Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.access import scoping
from app.access.roles import SOCIAL_WORKER
from app.access.users import users_with_role
from app.audit import recorder
from app.changes import service as changes
from app.domain.idnumber import InvalidIdNumber, mask_id_number, parse_id_number
from app.domain.monthly_table import CORRECT, SELF_DECLARED_CHECK, SHOULD_CANCEL, SHOULD_REGISTER, WINDOW_CHECK
from app.extensions import db
from app.models import House, Person, Residence
from app.settings import current_rules
from app.verification.models import (
    DECLARATION_CANCEL_CASE,
    DECLARATION_FORWARDED,
    DECLARATION_MATCHED,
    DECLARATION_PENDING,
    DECLARATION_REGISTER_CASE,
    WINDOW_CHECKED,
    WINDOW_PENDING,
    SelfDeclaration,
    VerificationRecord,
    WindowApplicant,
    utcnow,
)
from app.models import Committee
from app.verification.service.marking import (
    Team,
    case_note,
    check_id_number,
    flush_unique,
    mark_found,
    mark_person,
    new_record,
    open_case_or_none,
)
from app.verification.service.reach import VerificationRefused, local_today, may_verify
from app.errors import id_number_message

UTC = dt.timezone.utc


# -- the poster's link: /declare/<token> --------------------------------------------------------------------------
# The token is an HMAC of the committee id under SECRET_KEY, so committees cannot be enumerated by counting.

def committee_token(committee_id: int) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"declare:{committee_id}".encode(), hashlib.sha256).hexdigest()[:16]


def committee_by_token(token: str):
    if not token or len(token) != 16:
        return None
    for committee_id in db.session.scalars(select(Committee.id)):
        if hmac.compare_digest(committee_token(committee_id), token):
            return db.session.get(Committee, committee_id)
    return None


def address_key(house_id: Optional[int], address: str) -> str:
    if house_id is not None:
        return f"house:{house_id}"
    return "text:" + "".join((address or "").split()).lower()[:240]


def declare(committee, *, house_id: Optional[int], address: str, name: str, id_number: str,
            move_in_date: Optional[dt.date]) -> SelfDeclaration:
    """A resident's self-declaration from the public page. Refuses an invalid ID number (InvalidIdNumber), a house
    of another committee, a move-in date in the future and, past DECLARATIONS_PER_ADDRESS_PER_DAY today, more
    declarations for the same address (a flood)."""
    today = local_today()
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise VerificationRefused("bad_name")
    info = check_id_number(id_number, today)
    house = None
    if house_id is not None:
        house = db.session.get(House, house_id)
        if house is None or house.committee_id != committee.id:
            raise VerificationRefused("no_house")
        address = house.address
    address = (address or "").strip()[:255]
    if not address:
        raise VerificationRefused("no_address")
    if move_in_date is not None and move_in_date > today:
        raise VerificationRefused("future_date")
    key = address_key(house.id if house else None, address)
    limit = int(current_app.config.get("VERIFICATION_DECLARATIONS_PER_ADDRESS_PER_DAY", 10))
    rules = current_rules()
    day_start = dt.datetime.combine(today, dt.time(0), rules.zone).astimezone(UTC).replace(tzinfo=None)
    count = db.session.scalar(select(func.count()).select_from(SelfDeclaration).where(
        SelfDeclaration.address_key == key, SelfDeclaration.created_at >= day_start))
    if count >= limit:
        raise VerificationRefused("flood", status=429)
    duplicate = db.session.scalar(select(SelfDeclaration.id).where(
        SelfDeclaration.address_key == key, SelfDeclaration.id_number == info.number,
        SelfDeclaration.status == DECLARATION_PENDING))
    if duplicate is not None:
        raise VerificationRefused("already_declared")
    row = SelfDeclaration(committee_id=committee.id, house_id=house.id if house else None, address=address,
                          address_key=key, name=name, id_number=info.number, move_in_date=move_in_date)
    db.session.add(row)
    return row


def _existing_record(person_id, found_id_number, day, kind):
    where = [VerificationRecord.checked_on == day, VerificationRecord.kind == kind]
    if person_id is not None:
        where.append(VerificationRecord.person_id == person_id)
    else:
        where.append(VerificationRecord.found_id_number == found_id_number)
    return db.session.query(VerificationRecord).filter(*where).one_or_none()


def _check_against_register(user, *, committee_id, house_id, name, id_number, kind, team: Team | None = None):
    """The workstation's check of a declared / applied (name, ID, house): returns (result, record, case).
    Matches the register at that house → correct; registered elsewhere (or no longer) → should_cancel with a
    cancellation case where the person is registered; not registered at all → should_register with a
    registration case at the declared house."""
    day = local_today()
    committee = db.session.get(Committee, committee_id)
    team = team or Team()
    source = "self_declaration" if kind == SELF_DECLARED_CHECK else "window"
    # Through the worker's scope only: a number registered in another committee is never read here (the caller
    # forwards it first); a person of no committee counts as not registered.
    match = scoping.find_by_natural_key(Person, Person.id_number, id_number, user)
    if match.elsewhere and match.committee_id is not None:
        raise VerificationRefused("out_of_scope")
    person = match.row
    residence = None
    if person is not None:
        residence = (db.session.query(Residence)
                     .filter(Residence.person_id == person.id, Residence.end_date.is_(None)).one_or_none())
    if person is not None and residence is not None and house_id is not None and residence.house_id == house_id:
        result, case = CORRECT, None
    elif person is not None and residence is not None:
        result = SHOULD_CANCEL
        if not scoping.can_see_committee(residence.committee_id, user):
            raise VerificationRefused("out_of_scope")  # never a case in a committee the worker does not see
        with db.session.begin_nested():
            case = changes.open_case(residence.committee_id, residence.house_id, "move_out", actor=user,
                                     source=source, person_id=person.id, note=case_note(kind))
    else:
        result = SHOULD_REGISTER
        case = open_case_or_none(committee_id, house_id, "move_in", actor=user, source=source,
                          people_note=f"{name} {mask_id_number(id_number)}", note=case_note(kind))
    use_person = person.id if person is not None and result != SHOULD_REGISTER else None
    record = _existing_record(use_person, None if use_person else id_number, day, kind)
    if record is None:
        record = new_record(user, committee=committee, house_id=house_id, day=day, result=result, kind=kind,
                             team=team, person_id=use_person,
                             found_name=None if use_person else name,
                             found_id_number=None if use_person else id_number)
        flush_unique(record)
    if case is not None:
        db.session.flush()
        record.change_case_id = record.change_case_id or case.id
    return result, record, case


def _forward_declaration(user, declaration: SelfDeclaration, committee_id: int) -> SelfDeclaration:
    """The declaration goes to the workstation of the committee where the number is registered: a new pending
    row there (the resident's own words: name, number, the address he declared), nothing read or recorded here.
    That committee's social workers are told."""
    copy = SelfDeclaration(committee_id=committee_id, house_id=None, address=declaration.address,
                           # its own key: a forwarded row does not count against the declaring address's daily cap
                           address_key=f"forwarded:{declaration.id}", name=declaration.name,
                           id_number=declaration.id_number, move_in_date=declaration.move_in_date,
                           forwarded_from_id=declaration.id)
    db.session.add(copy)
    db.session.flush()
    declaration.status = DECLARATION_FORWARDED
    declaration.processed_at = utcnow()
    declaration.processed_by_fk = user.id
    for worker in users_with_role(SOCIAL_WORKER, committee_id=committee_id):
        changes.notify(worker.id, f"居民自主申报 #{copy.id} 已转至本居民区工作站（申报人户籍登记在本居民区）",
               "/verification/workstation/declarations")
    recorder.record("declaration_forwarded", model="SelfDeclaration", record_id=declaration.id,
                    committee_id=declaration.committee_id, detail=f"to=#{copy.id}", commit=False)
    return copy


def process_declaration(user, declaration: SelfDeclaration) -> SelfDeclaration:
    """Check one queued self-declaration against the register (see _check_against_register). A number
    registered in another committee is forwarded to that committee's workstation (status "forwarded")."""
    if declaration.status != DECLARATION_PENDING:
        raise VerificationRefused("already_processed")
    if not scoping.can_see_committee(declaration.committee_id, user):
        raise VerificationRefused("out_of_scope")

    match = scoping.find_by_natural_key(Person, Person.id_number, declaration.id_number, user)
    if match.elsewhere and match.committee_id is not None:
        _forward_declaration(user, declaration, match.committee_id)
        return declaration
    # A forwarded declaration's house (if any) belongs to the declaring committee: it is not this one's to record.
    result, record, case = _check_against_register(
        user, committee_id=declaration.committee_id,
        house_id=declaration.house_id if declaration.forwarded_from_id is None else None, name=declaration.name,
        id_number=declaration.id_number, kind=SELF_DECLARED_CHECK)
    declaration.status = {CORRECT: DECLARATION_MATCHED, SHOULD_CANCEL: DECLARATION_CANCEL_CASE,
                          SHOULD_REGISTER: DECLARATION_REGISTER_CASE}[result]
    declaration.processed_at = utcnow()
    declaration.processed_by_fk = user.id
    declaration.verification_record_id = record.id
    declaration.change_case_id = case.id if case is not None else None
    return declaration


# -- window cases ------------------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    added: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def import_window_csv(user, committee_id: int, data: bytes) -> ImportResult:
    """Window cases from a CSV (name, ID number, address; a header row is skipped). Bad rows are reported by line
    with a Chinese message; good rows are kept. An address that matches a house of the committee links it."""
    if not scoping.can_see_committee(committee_id, user):
        raise VerificationRefused("out_of_scope")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise VerificationRefused("bad_file") from exc
    result = ImportResult()
    today = local_today()
    seen: set[str] = set(db.session.scalars(select(WindowApplicant.id_number).where(
        WindowApplicant.committee_id == committee_id, WindowApplicant.status == WINDOW_PENDING)))
    houses = dict(db.session.execute(select(House.address, House.id).where(House.committee_id == committee_id)).all())
    for line_no, row in _csv_rows(text, result):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if line_no == 1 and cells and cells[0] in ("姓名", "name", "Name"):
            continue
        if len(cells) < 3:
            result.errors.append((line_no, _("A row needs a name, an ID number and an address.")))
            continue
        name, number, address = cells[0], cells[1], cells[2]
        if not name or len(name) > 64:
            result.errors.append((line_no, _("The name is missing or too long.")))
            continue
        try:
            info = parse_id_number(number, today)
        except InvalidIdNumber as exc:
            result.errors.append((line_no, id_number_message(exc)))
            continue
        if not address or len(address) > 255:
            result.errors.append((line_no, _("The address is missing or too long.")))
            continue
        if info.number in seen:
            result.errors.append((line_no, _("This person is already on the list.")))
            continue
        seen.add(info.number)
        db.session.add(WindowApplicant(committee_id=committee_id, house_id=houses.get(address), name=name,
                                       id_number=info.number, address=address, imported_by_fk=user.id))
        result.added += 1
    return result


def _csv_rows(text: str, result: ImportResult):
    """(line number, cells) of a CSV text. A row csv cannot read (a field over csv's limit, 131,072 characters; a NUL
    byte) ends the reading with a message for that line; the rows before it stand, like any other bad line."""
    reader = csv.reader(io.StringIO(text))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            result.errors.append((reader.line_num, _("This line cannot be read (a field longer than %(max)s "
                                                     "characters, or a control character); the rest of the file "
                                                     "was not read.", max=csv.field_size_limit())))
            return
        yield reader.line_num, row


def add_window_applicant(user, committee_id: int, name: str, id_number: str, address: str) -> WindowApplicant:
    res = import_window_csv(user, committee_id, _csv_line(name, id_number, address))
    if res.errors:
        raise VerificationRefused("bad_row", message=res.errors[0][1])
    db.session.flush()
    return (db.session.query(WindowApplicant).filter_by(committee_id=committee_id)
            .order_by(WindowApplicant.id.desc()).first())


def _csv_line(*cells) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow(["name", "id", "address"])
    csv.writer(out).writerow(cells)
    return out.getvalue().encode("utf-8")


def verify_window(user, applicant: WindowApplicant, *, lives_there: bool, team: Team) -> VerificationRecord:
    """A window case checked at home. Living there: registered there → correct; not registered there → 应登未登
    (registration case). Not living there but registered there → 应消未消 (cancellation case). Neither living
    nor registered there: nothing to record (refused, the applicant stays on the list)."""
    if applicant.status != WINDOW_PENDING:
        raise VerificationRefused("already_processed")
    day = local_today()
    if not may_verify(user, applicant.committee_id, day):
        raise VerificationRefused("out_of_scope")
    person = db.session.query(Person).filter(Person.id_number == applicant.id_number).one_or_none()
    residence = None
    if person is not None:
        residence = (db.session.query(Residence)
                     .filter(Residence.person_id == person.id, Residence.end_date.is_(None)).one_or_none())
    registered_here = residence is not None and applicant.house_id is not None and residence.house_id == applicant.house_id
    if lives_there and registered_here:
        record = mark_person(user, person.id, CORRECT, team=team, kind=WINDOW_CHECK, day=day)
    elif lives_there:
        if applicant.house_id is None:
            raise VerificationRefused("no_house")
        record = mark_found(user, applicant.house_id, applicant.name, applicant.id_number, team=team,
                            kind=WINDOW_CHECK, day=day)
    elif registered_here:
        record = mark_person(user, person.id, SHOULD_CANCEL, team=team, kind=WINDOW_CHECK, day=day)
    else:
        raise VerificationRefused("nothing_to_verify")
    applicant.status = WINDOW_CHECKED
    applicant.verification_record_id = record.id
    return record
