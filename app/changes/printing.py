"""Context of reports/registration_form.html (《实有人口居住登记表》): blank, or pre-filled from a change case.

Runs in the render task: the document's committee was checked against the requesting user when it was asked for
and again by the renderer; the case is looked up inside that committee only, so a case id of another committee in
the params prints a blank form, never another committee's data.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.changes.models import ChangeCase
from app.changes.service import case_person_list
from app.documents.registry import DocumentKind, register_kind
from app.extensions import db

CATEGORY_ZH = {"shanghai_household": "上海市户籍（人户一致）", "separated": "上海市户籍人户分离",
               "migrant": "境内外来沪人员", "overseas": "境外人员"}
KIND_ZH = {"move_in": "迁入/新入住", "move_out": "迁出/搬离", "details": "信息变更"}


def registration_form_title(committee) -> str:
    if committee is None:
        return _("Registration form (blank)")
    return _("Registration form of %(committee)s", committee=committee.name)


def registration_form_context(document) -> dict:
    case_id = document.params.get("case_id")
    case = None
    if case_id is not None and document.committee_id is not None:
        case = (db.session.query(ChangeCase)
                .filter(ChangeCase.id == int(case_id), ChangeCase.committee_id == document.committee_id)
                .one_or_none())
    fields = {k: "" for k in ("name", "sex", "birth_date", "id_number", "registered_address", "address", "reason",
                              "phone", "category", "kind", "committee", "people_note", "case_no")}
    if case is not None:
        fields.update(
            committee=case.committee.name, address=case.house.address if case.house else "",
            kind=KIND_ZH.get(case.kind, ""), people_note=case.people_note, case_no=f"{case.id}",
        )
    elif document.committee is not None:
        fields["committee"] = document.committee.name
    persons = case_person_list(case) if case is not None else []
    forms = [dict(fields, **_person_fields(p)) for p in persons] or [fields]
    if len(forms) > 1:
        # Each person's form names the others of the case under 同住人员 (and the reporter's note).
        for index, form in enumerate(forms):
            others = "、".join(p.name for j, p in enumerate(persons) if j != index)
            form["people_note"] = "；".join(t for t in (others, fields["people_note"]) if t)
            form["case_no"] = f"{case.id}-{index + 1}"
    return {"f": forms[0], "forms": forms, "prefilled": case is not None}


def _person_fields(person) -> dict:
    return dict(
        name=person.name, sex={"M": "男", "F": "女"}.get(person.sex, ""),
        birth_date=person.birth_date.strftime("%Y年%m月%d日") if person.birth_date else "",
        # The printed form is handed to the resident himself to check and sign: the full number is his own.
        id_number=person.id_number, registered_address=person.registered_address or "",
        phone=person.phone or "", category=CATEGORY_ZH.get(person.category, ""),
    )


def init_app(app) -> None:
    """The change flow's printed form, for whoever reads change cases of the committee."""
    register_kind(DocumentKind(
        key="registration_form", label=_l("Registration form (blank or from a change case)"),
        template="registration_form.html", title=registration_form_title, context=registration_form_context,
        permission=("read", "ChangeCase"),
    ))
