"""The flat register sheet, row by row: headers, cell cleaning and the checks that need no database.

No Flask and no database, so the rules can be read and tested on their own; the rules shared with the forms
(the document number's resolve_identity, the text validator) are imported from where the forms take them. A row's problems are
``RowError(column, code, params)``: ``column`` is the sheet's own header text, ``code`` is translated by
app/importing/messages.py. The service adds the checks that need the database (scope, existing persons).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional

from app.domain import textinput
from app.domain.idnumber import (
    InvalidIdNumber, check_character, make_id_number, normalise_identifier,
)
from app.population.integrity import resolve_identity

# Canonical header (as in the template) → the field it fills. Aliases cover the portal's own exports (round trip)
# and the names offices use in their own sheets.
HEADERS = ("居委", "地址", "室号", "姓名", "证件类型", "证件号码", "人员类别", "户籍地址", "联系电话", "入住日期")
FIELD_OF_HEADER = {
    "居委": "committee", "居民区": "committee", "居委会": "committee", "居民委员会": "committee",
    "地址": "address", "楼组": "address", "楼栋": "address", "楼栋地址": "address",
    "室号": "room", "房号": "room", "室": "room",
    "姓名": "name",
    "证件类型": "id_type",
    "证件号码": "id_number", "身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number",
    "人员类别": "category", "类别": "category",
    "户籍地址": "registered_address",
    "联系电话": "phone", "电话": "phone", "手机": "phone", "手机号码": "phone",
    "入住日期": "start_date", "居住起始日期": "start_date",
    "性别": "sex",
    "出生日期": "birth_date",
}
REQUIRED_FIELDS = ("committee", "address", "room", "name", "id_number", "category", "start_date")
# Header comments of the downloadable template (Chinese: they are the template's own text, like the headers).
HEADER_NOTES = {
    "居委": "居民区名称，如“钢一”；须在本人负责范围内",
    "地址": "楼栋地址，如“上南路100弄1号”；不存在时在该居委下新建",
    "室号": "如“101”；与地址一起确定房屋",
    "姓名": "必填",
    "证件类型": "居民身份证（默认）、护照、港澳台居民通行证、其他证件",
    "证件号码": "居民身份证为18位（15位旧号码会升位核对）；同一证件号码只对应一人",
    "人员类别": "户籍、人户分离或来沪",
    "户籍地址": "选填",
    "联系电话": "选填，手机或固定电话",
    "入住日期": "日期格式单元格或 YYYY-MM-DD，不能晚于今天",
}
EXAMPLE_ROW = ("钢一", "上南路100弄1号", "101", "张三", "居民身份证", make_id_number("310115", dt.date(1990, 1, 1), 123), "户籍",
               "上海市浦东新区上南路100弄1号101室", "13800138000", "2020-05-01")

CATEGORY_OF = {
    "户籍": "shanghai_household", "人户一致": "shanghai_household", "上海市户籍": "shanghai_household",
    "上海市户籍人员（人户一致）": "shanghai_household", "shanghai_household": "shanghai_household",
    "人户分离": "separated", "户籍人户分离": "separated", "上海市户籍人员（人户分离）": "separated",
    "上海市户籍人户分离": "separated", "separated": "separated",
    "来沪": "migrant", "来沪人员": "migrant", "境内来沪人员": "migrant", "migrant": "migrant",
    "境内外来沪人员": "migrant", "境外": "overseas", "境外人员": "overseas", "overseas": "overseas",
}
CATEGORY_LABEL = {"shanghai_household": "户籍", "separated": "人户分离", "migrant": "来沪", "overseas": "境外"}
ID_TYPE_OF = {
    "": "resident_id", "居民身份证": "resident_id", "身份证": "resident_id", "resident_id": "resident_id",
    "护照": "passport", "passport": "passport",
    "港澳台居民通行证": "hk_macao_taiwan", "港澳台居民居住证": "hk_macao_taiwan", "港澳台": "hk_macao_taiwan",
    "hk_macao_taiwan": "hk_macao_taiwan",
    "其他证件": "other", "其他": "other", "other": "other",
}
ID_TYPE_LABEL = {"resident_id": "居民身份证", "passport": "护照", "hk_macao_taiwan": "港澳台居民通行证",
                 "other": "其他证件"}
SEX_OF = {"男": "M", "女": "F", "M": "M", "F": "F"}
MAX_LENGTH = {"committee": 32, "address": 120, "room": 32, "name": 64, "id_number": 32,
              "registered_address": 255, "phone": 32}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,30}$")
_FORMULA_START = "=+-@"


@dataclass(frozen=True)
class RowError:
    column: str  # the header as written in the sheet ('' for the whole row)
    code: str
    params: dict = field(default_factory=dict)


@dataclass
class CheckedRow:
    row_no: int  # the spreadsheet's row number (1-based, as Excel shows it)
    values: dict[str, Any]
    errors: list[RowError]
    upgraded_from: Optional[str] = None  # the 15-digit number an 18-digit one was made from

    @property
    def ok(self) -> bool:
        return not self.errors


class BadHeader(ValueError):
    def __init__(self, missing: list[str]):
        super().__init__(", ".join(missing))
        self.missing = missing


def map_headers(cells: Iterable[Any]) -> dict[str, tuple[int, str]]:
    """field → (column index, header text) for the recognised headers; 序号 and unknown headers are ignored."""
    result: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(cells):
        text = clean_text(cell)
        field_name = FIELD_OF_HEADER.get(text.replace(" ", "")) if text else None
        if field_name and field_name not in result:
            result[field_name] = (index, text)
    return result


def missing_headers(mapping: dict[str, tuple[int, str]]) -> list[str]:
    canonical = {f: h for h, f in FIELD_OF_HEADER.items() if h in HEADERS}
    return [canonical[f] for f in REQUIRED_FIELDS if f not in mapping]


def clean_text(value: Any) -> str:
    """A cell as text: NFKC (full-width digits typed by input methods), control characters removed, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    text = unicodedata.normalize("NFKC", str(value))
    return _CONTROL.sub("", text).strip()


def cell_text(value: Any) -> str:
    """A cell as the text typed into it, for the validators that must see it unaltered (control characters
    included): numbers without a trailing .0, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    return str(value)


def neutralise(text: str, keep_plus: bool = False) -> str:
    """Drop leading = + - @ so a value can never become a formula when a sheet is exported again; a phone's +86
    keeps its plus."""
    if keep_plus and text.startswith("+") and text[1:2].isdigit():
        return text
    stripped = text.lstrip(_FORMULA_START).strip()
    return stripped


_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")
NUMERIC_ID_LIMIT = 10 ** 15  # a number cell holds 15 significant digits: an 18-digit ID number typed into one is lost


def digits_lost(value: Any) -> str:
    """A document number that Excel stored as a number (or its 3.10115E+17 display typed back as text) has lost its
    last digits: the text Excel shows for it, else ''. A 15-digit old number still fits in a number cell."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, (int, float)):
        return f"{float(value):.5E}" if abs(value) >= NUMERIC_ID_LIMIT else ""
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if _SCIENTIFIC.match(text):
            return text.upper()
    return ""


def upgrade_15(number: str) -> Optional[str]:
    """The 18-digit form of a 15-digit old ID number (century 19 inserted, check character added), or None."""
    if len(number) != 15 or not number.isdigit():
        return None
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_character(first17)


def parse_date(value: Any) -> Optional[dt.date]:
    """A date cell, or text YYYY-MM-DD (also YYYY/MM/DD, YYYY.MM.DD); None when it is not a real date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = clean_text(value)
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


class RowChecker:
    """Checks rows one after another; remembers ID numbers already seen so a second row with the same number and
    another name is an error (the same person twice, same name, is not)."""

    def __init__(self, mapping: dict[str, tuple[int, str]], committees: dict[str, int],
                 in_scope: Callable[[int], bool], today: dt.date):
        self.mapping = mapping
        self.committees = committees
        self.in_scope = in_scope
        self.today = today
        self.seen: dict[str, tuple[str, int]] = {}  # id number → (name, first row)

    def header(self, field_name: str) -> str:
        return self.mapping[field_name][1] if field_name in self.mapping else ""

    def _cell(self, cells, field_name: str) -> Any:
        entry = self.mapping.get(field_name)
        if entry is None or entry[0] >= len(cells):
            return None
        return cells[entry[0]]

    def check(self, row_no: int, cells: tuple) -> CheckedRow:
        errors: list[RowError] = []
        values: dict[str, Any] = {}

        def err(field_name: str, code: str, **params: Any) -> None:
            errors.append(RowError(self.header(field_name), code, params))

        for field_name in ("committee", "phone"):
            text = clean_text(self._cell(cells, field_name))
            text = neutralise(text, keep_plus=field_name == "phone")
            if len(text) > MAX_LENGTH[field_name]:
                err(field_name, "too_long", max=MAX_LENGTH[field_name])
            values[field_name] = text
        # Names, addresses and rooms go through the forms' own validator (app/domain/textinput.py): the same normal
        # form, and the same refusals with the same message (a formula-like or control character is refused, as a
        # form refuses it, rather than silently altered).
        refused = set()  # a refused value is not also reported missing
        for field_name in ("address", "room", "name", "registered_address"):
            try:
                text = textinput.clean_text(cell_text(self._cell(cells, field_name)), required=False) or ""
            except textinput.InvalidText as exc:
                err(field_name, "text_" + exc.code)
                refused.add(field_name)
                text = ""
            if len(text) > MAX_LENGTH[field_name]:
                err(field_name, "too_long", max=MAX_LENGTH[field_name])
            values[field_name] = text
        if not values["name"] and "name" not in refused:
            err("name", "name_missing")

        committee = values["committee"]
        values["committee_id"] = None
        if not committee:
            err("committee", "committee_missing")
        elif committee not in self.committees:
            err("committee", "committee_unknown", name=committee)
        elif not self.in_scope(self.committees[committee]):
            err("committee", "committee_out_of_scope", name=committee)
        else:
            values["committee_id"] = self.committees[committee]
        if not values["address"] and "address" not in refused:
            err("address", "address_missing")
        room = values["room"]
        if room.endswith("室"):
            values["room"] = room = room[:-1].strip()
        if not room and "room" not in refused:
            err("room", "room_missing")

        id_type_text = clean_text(self._cell(cells, "id_type"))
        id_type = ID_TYPE_OF.get(id_type_text)
        if id_type is None:
            err("id_type", "id_type_unknown", value=id_type_text)
        values["id_type"] = id_type or "resident_id"
        upgraded_from = None
        raw_number = self._cell(cells, "id_number")
        lost = digits_lost(raw_number)
        number = "" if lost else normalise_identifier(cell_text(raw_number))
        if lost:
            err("id_number", "id_numeric", value=lost)
        elif not number:
            err("id_number", "id_missing")
        else:
            if values["id_type"] == "resident_id":
                upgraded = upgrade_15(number)
                if upgraded is not None:
                    upgraded_from, number = number, upgraded
            # The forms' and the flush hook's one reading of a document number: a mainland-shaped number is a
            # mainland ID number (check digit, birth date, region code) whatever 证件类型 says.
            try:
                id_type, number, info = resolve_identity(values["id_type"], number, self.today)
            except InvalidIdNumber as exc:
                err("id_number", "id_" + exc.code)
            else:
                values["id_type"] = id_type
                if info is not None:
                    values["sex"], values["birth_date"] = info.sex, info.birth_date
                else:
                    sex = SEX_OF.get(clean_text(self._cell(cells, "sex")))
                    birth = parse_date(self._cell(cells, "birth_date"))
                    if sex is None or birth is None or birth > self.today:
                        err("id_number", "sex_birth_required")
                    values["sex"], values["birth_date"] = sex, birth
        values["id_number"] = number

        category_text = clean_text(self._cell(cells, "category"))
        values["category"] = CATEGORY_OF.get(category_text)
        if values["category"] is None:
            err("category", "category_unknown", value=category_text)

        raw_date = self._cell(cells, "start_date")
        if raw_date is None or clean_text(raw_date) == "":
            err("start_date", "date_missing")
            values["start_date"] = None
        else:
            start = parse_date(raw_date)
            if start is None:
                err("start_date", "date_bad", value=clean_text(raw_date))
            elif start > self.today:
                err("start_date", "date_future", value=start.isoformat())
            elif values.get("birth_date") and start < values["birth_date"]:
                err("start_date", "date_before_birth", value=start.isoformat())
            values["start_date"] = start

        phone = values["phone"]
        if phone and not _PHONE.match(phone):
            err("phone", "phone_bad")

        if number and values["name"]:
            first = self.seen.get(number)
            if first is None:
                self.seen[number] = (values["name"], row_no)
            elif first[0] != values["name"]:
                err("id_number", "id_twice", row=first[1])
            else:
                values["repeat_of"] = first[1]
        return CheckedRow(row_no, values, errors, upgraded_from)


def iter_sheet_rows(rows: Iterator[tuple], max_rows: int) -> Iterator[tuple[int, tuple]]:
    """(row number, cells) after the header row; blank rows skipped. Raises TooManyRows past ``max_rows``."""
    count = 0
    for row_no, cells in rows:
        if not any(c is not None and clean_text(c) != "" for c in cells):
            continue
        count += 1
        if count > max_rows:
            raise TooManyRows(max_rows)
        yield row_no, cells


class TooManyRows(ValueError):
    def __init__(self, limit: int):
        super().__init__(str(limit))
        self.limit = limit
