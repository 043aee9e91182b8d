"""The one search box of the person, house and residence lists (issue 14 §1): a name, a full ID number, a phone
number or an address, typed once (``?q=``). The kind of text is decided by app/domain/quicksearch.py; this module
turns it into a criterion added to the list's filters (the committee base filter still applies) and into the line
that tells the user what was searched. A full ID number goes through app.access.scoping.find_by_natural_key, so a number
registered in another committee only says so, never whose it is."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from flask import request
from flask_appbuilder.models.filters import BaseFilter, Filters
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, select

from app.domain import quicksearch as qs
from app.domain.idnumber import mask_id_number
from app.access.scoping import find_by_natural_key
from app.models import House, Person, Residence

QUERY_ARG = "q"


@dataclass
class Outcome:
    text: str  # what the box holds (as typed)
    said: str  # "按证件号码 310***…*1234 查找" – what was searched
    hint: Optional[str] = None  # a partial ID number, a number registered elsewhere, a text too long
    criterion: object = None


class _Criterion(BaseFilter):
    """A filter that applies a ready SQLAlchemy criterion (the value) to the list's query."""

    name = "quick search"
    arg_name = "quick"

    def apply(self, query, value):
        return query.filter(value)


class _WithCriterion(Filters):
    """The view's active filters, whose joined form (what FAB queries) also carries the search criterion; the
    filter widget still shows only the user's own FAB filters."""

    def __init__(self, filters: Filters, criterion):
        super().__init__(filters.filter_converter, filters.datamodel, filters.search_columns)
        self.filters, self.values = list(filters.filters), list(filters.values)
        self._search_filters, self._all_filters = filters._search_filters, filters._all_filters
        self._criterion = criterion

    def get_joined_filters(self, filters) -> Filters:
        joined = super().get_joined_filters(filters)
        joined.filters.append(_Criterion("id", self.datamodel))
        joined.values.append(self._criterion)
        return joined


def with_search(filters: Filters, outcome: Optional[Outcome]) -> Filters:
    if outcome is None or outcome.criterion is None:
        return filters
    return _WithCriterion(filters, outcome.criterion)


def _person_by_id_number(number: str):
    """(person id or None, hint): the scoped natural-key lookup."""
    match = find_by_natural_key(Person, Person.id_number, number)
    if match.found:
        return match.row_id, None
    if match.elsewhere:
        return None, str(_l("This ID number is registered in another committee, outside your scope."))
    return None, None


def outcome_for(model_name: str) -> Optional[Outcome]:
    """Reads ``?q=`` of the request: None when the box is empty or the list has no search box."""
    if model_name not in CRITERIA:
        return None
    raw = request.args.get(QUERY_ARG, "")
    text = raw.strip()
    if not text:
        return None
    if len(text) > qs.MAX_LENGTH:
        return Outcome(raw[: qs.MAX_LENGTH], "", str(_l("The search text is too long (at most %(max)s characters).",
                                                          max=qs.MAX_LENGTH)), false())
    query = qs.classify(text)
    return CRITERIA[model_name](query, raw)


def _persons_named_or_at(text: str):
    like = f"%{_escape(text)}%"
    living_at = (select(Residence.person_id).join(House, House.id == Residence.house_id)
                 .where(Residence.end_date.is_(None), House.address.like(like, escape="\\")))
    return Person.name.like(like, escape="\\") | Person.id.in_(living_at)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _said(query: qs.Query) -> str:
    if query.kind == qs.FULL_ID:
        return str(_l("Searched by ID number %(number)s", number=mask_id_number(query.value)))
    if query.kind == qs.PHONE:
        return str(_l("Searched by phone number %(phone)s", phone=query.value))
    if query.kind == qs.PARTIAL_ID:
        return str(_l("Searched by part of an ID number %(number)s", number=query.value))
    return str(_l("Searched by name or address containing “%(text)s”", text=query.value))


def _partial_hint(query: qs.Query) -> str:
    return str(_l("Only %(n)s digits of an ID number: type all 18 characters, or search by name, phone or address.",
                  n=len(query.value)))


def _person_criterion(query: qs.Query, raw: str) -> Outcome:
    out = Outcome(raw, _said(query))
    if query.kind == qs.FULL_ID:
        person_id, out.hint = _person_by_id_number(query.value)
        out.criterion = Person.id == person_id if person_id is not None else false()
    elif query.kind == qs.PHONE:
        out.criterion = Person.phone == query.value
    elif query.kind == qs.PARTIAL_ID:
        out.hint, out.criterion = _partial_hint(query), false()
    else:
        out.criterion = _persons_named_or_at(query.value)
    return out


def _house_criterion(query: qs.Query, raw: str) -> Outcome:
    out = Outcome(raw, _said(query))
    current = select(Residence.house_id).where(Residence.end_date.is_(None))
    if query.kind == qs.FULL_ID:
        person_id, out.hint = _person_by_id_number(query.value)
        out.criterion = (House.id.in_(current.where(Residence.person_id == person_id))
                         if person_id is not None else false())
    elif query.kind == qs.PHONE:
        out.criterion = House.id.in_(current.join(Person, Person.id == Residence.person_id)
                                     .where(Person.phone == query.value))
    elif query.kind == qs.PARTIAL_ID:
        out.hint, out.criterion = _partial_hint(query), false()
    else:
        like = f"%{_escape(query.value)}%"
        named = current.join(Person, Person.id == Residence.person_id).where(Person.name.like(like, escape="\\"))
        out.criterion = House.address.like(like, escape="\\") | House.id.in_(named)
    return out


def _residence_criterion(query: qs.Query, raw: str) -> Outcome:
    out = Outcome(raw, _said(query))
    if query.kind == qs.FULL_ID:
        person_id, out.hint = _person_by_id_number(query.value)
        out.criterion = Residence.person_id == person_id if person_id is not None else false()
    elif query.kind == qs.PHONE:
        out.criterion = Residence.person_id.in_(select(Person.id).where(Person.phone == query.value))
    elif query.kind == qs.PARTIAL_ID:
        out.hint, out.criterion = _partial_hint(query), false()
    else:
        like = f"%{_escape(query.value)}%"
        out.criterion = (Residence.person_id.in_(select(Person.id).where(Person.name.like(like, escape="\\")))
                         | Residence.house_id.in_(select(House.id).where(House.address.like(like, escape="\\"))))
    return out


CRITERIA = {"Person": _person_criterion, "House": _house_criterion, "Residence": _residence_criterion}
