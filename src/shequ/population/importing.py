"""Importing residents from a clerk's spreadsheet (.xlsx or .csv), all or nothing, and exporting them.

Every row is checked before anything is written. If one row is wrong, nothing is written and the
clerk gets a report naming each wrong row (as numbered in her spreadsheet), the column, the value
(ID numbers and phones masked) and what is wrong. If every row is right, all rows are written in
one transaction with one ``population.people_imported`` audit entry.

Columns are found by their header, in Chinese or English (see :data:`COLUMNS`); their order does
not matter and unknown columns are ignored.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, crypto, idnumbers, spreadsheets
from shequ.core.bulk import insert_many, insert_rows
from shequ.core.errors import Conflict, DomainError, NotFound
from shequ.core.lookups import any_chunks
from shequ.core.models import Building, Compound, Dwelling, User
from shequ.core.queries import compounds
from shequ.core.scopes import can, restrict
from shequ.population.actions import PEOPLE_IMPORTED, clean_identity, clean_phone, household_number
from shequ.population.choices import IdType, LifeEventKind, PersonStatus, Relationship, ResidenceType, Sex
from shequ.population.models import Household, LifeEvent, Person, Residence, Tag

MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024
# What the reader accepts before this importer counts the rows: room for a header and blank lines.
READ_LIMITS = spreadsheets.with_limits(max_bytes=MAX_BYTES, max_rows=MAX_ROWS + 10_000)
ERRORS_KEPT = 500  # in the report a background import keeps; the count of all of them is kept too
CHECK_PROGRESS_EVERY = 1000

Progress = Callable[[str, int, int], None]  # (stage, done, total), as shequ.core.actions.TaskProgress

# field -> accepted headers; the first one is what the template and the export write.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "id_type": ("证件类型", "id type", "id_type"),
    "id_number": ("证件号码", "身份证号", "身份证号码", "公民身份号码", "id number", "id_number", "id no"),
    "sex": ("性别", "sex", "gender"),
    "birth_date": ("出生日期", "date of birth", "birth date", "birth_date"),
    "phone": ("手机", "电话", "手机号", "手机号码", "联系电话", "phone", "mobile", "telephone"),
    "residence_type": ("居住类型", "人员类型", "residence type", "residence_type"),
    "compound": ("小区", "compound"),
    "building": ("楼号", "幢号", "building"),
    "room": ("室号", "房号", "room"),
    "ethnicity": ("民族", "ethnicity", "ethnic group"),
    "hukou_address": ("户籍地址", "hukou address", "hukou_address"),
    "tags": ("标签", "tags"),
    "started_on": ("入住日期", "居住起始日期", "living here since", "moved in", "started_on"),
    "relationship": ("与户主关系", "relationship", "relationship to head"),
}
REQUIRED = ("name", "id_number", "residence_type", "compound", "building", "room")
TEMPLATE_HEADERS = [aliases[0] for aliases in COLUMNS.values()]

RESIDENCE_TYPES: dict[str, str] = {
    "户籍": ResidenceType.REGISTERED, "户籍人口": ResidenceType.REGISTERED,
    "人户分离": ResidenceType.REGISTERED_ELSEWHERE,
    "来沪": ResidenceType.MIGRANT, "来沪人员": ResidenceType.MIGRANT, "外来": ResidenceType.MIGRANT,
    "境外": ResidenceType.FOREIGN, "境外人员": ResidenceType.FOREIGN,
    "registered": ResidenceType.REGISTERED, "hukou": ResidenceType.REGISTERED,
    "elsewhere": ResidenceType.REGISTERED_ELSEWHERE, "registered elsewhere": ResidenceType.REGISTERED_ELSEWHERE,
    "migrant": ResidenceType.MIGRANT, "foreign": ResidenceType.FOREIGN,
}
RESIDENCE_TYPE_WORDS: dict[str, str] = {
    ResidenceType.REGISTERED: "户籍", ResidenceType.REGISTERED_ELSEWHERE: "人户分离",
    ResidenceType.MIGRANT: "来沪", ResidenceType.FOREIGN: "境外",
}
ID_TYPES: dict[str, str] = {
    "身份证": IdType.RESIDENT_ID, "居民身份证": IdType.RESIDENT_ID,
    "护照": IdType.PASSPORT,
    "港澳台通行证": IdType.HK_MACAO_TAIWAN, "港澳台居民居住证": IdType.HK_MACAO_TAIWAN,
    "回乡证": IdType.HK_MACAO_TAIWAN, "台胞证": IdType.HK_MACAO_TAIWAN,
    "外国人永久居留证": IdType.FOREIGNER_PR, "外国人永久居留身份证": IdType.FOREIGNER_PR,
    "resident_id": IdType.RESIDENT_ID, "id card": IdType.RESIDENT_ID, "resident id": IdType.RESIDENT_ID,
    "passport": IdType.PASSPORT, "hmt_permit": IdType.HK_MACAO_TAIWAN, "foreign_pr": IdType.FOREIGNER_PR,
}
ID_TYPE_WORDS: dict[str, str] = {
    IdType.RESIDENT_ID: "身份证", IdType.PASSPORT: "护照", IdType.HK_MACAO_TAIWAN: "港澳台通行证",
    IdType.FOREIGNER_PR: "外国人永久居留证",
}
SEXES: dict[str, str] = {
    "男": Sex.MALE, "女": Sex.FEMALE, "m": Sex.MALE, "f": Sex.FEMALE, "male": Sex.MALE, "female": Sex.FEMALE,
}
SEX_WORDS: dict[str, str] = {Sex.MALE: "男", Sex.FEMALE: "女"}
RELATIONSHIPS: dict[str, str] = {
    "户主": Relationship.HEAD, "本人": Relationship.HEAD,
    "配偶": Relationship.SPOUSE, "妻": Relationship.SPOUSE, "夫": Relationship.SPOUSE,
    "妻子": Relationship.SPOUSE, "丈夫": Relationship.SPOUSE,
    "子女": Relationship.CHILD, "子": Relationship.CHILD, "女": Relationship.CHILD,
    "儿子": Relationship.CHILD, "女儿": Relationship.CHILD,
    "父母": Relationship.PARENT, "父亲": Relationship.PARENT, "母亲": Relationship.PARENT,
    "孙子女": Relationship.GRANDCHILD, "孙子": Relationship.GRANDCHILD, "孙女": Relationship.GRANDCHILD,
    "外孙子女": Relationship.GRANDCHILD, "外孙": Relationship.GRANDCHILD, "外孙女": Relationship.GRANDCHILD,
    "其他": Relationship.OTHER,
    **{value: value for value in Relationship.values},
    "head of household": Relationship.HEAD,
}
RELATIONSHIP_WORDS: dict[str, str] = {
    Relationship.HEAD: "户主", Relationship.SPOUSE: "配偶", Relationship.CHILD: "子女",
    Relationship.PARENT: "父母", Relationship.GRANDCHILD: "孙子女", Relationship.OTHER: "其他",
}
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_TAG_SPLIT = re.compile(r"[,，、;；\s]+")


class ImportFileError(DomainError):
    """The file as a whole cannot be read (format, encoding, size)."""


@dataclass(frozen=True)
class RowError:
    """One problem, as a clerk finds it in her spreadsheet."""

    row: int | None  # the row number the spreadsheet shows; None for a problem with the whole file
    column: str
    value: str  # ID numbers and phones are masked
    message: str


@dataclass
class ImportResult:
    filename: str
    rows: int = 0
    created: int = 0
    households: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_report(self) -> dict[str, Any]:
        """What the task page shows: the counts and the first :data:`ERRORS_KEPT` problems (values masked)."""
        return {
            "filename": self.filename, "rows": self.rows, "created": self.created, "households": self.households,
            "dry_run": self.dry_run, "ok": self.ok, "error_count": len(self.errors),
            "errors": [asdict(error) for error in self.errors[:ERRORS_KEPT]],
        }


@dataclass
class _Row:
    number: int
    values: dict[str, Any]


@dataclass
class _Clean:
    number: int
    name: str
    id_type: str
    id_number: str
    sex: str
    birth_date: dt.date
    phone: str
    residence_type: str
    dwelling: Dwelling
    ethnicity: str
    hukou_address: str
    tags: list[Tag]
    started_on: dt.date
    relationship: str
    id_number_index: str = ""  # filled in by the duplicate check


# Reading ----------------------------------------------------------------------------------------------------


def _read_bytes(file: bytes | IO[bytes] | str | Path) -> bytes:
    if isinstance(file, bytes):
        data = file
    elif isinstance(file, str | Path):
        data = Path(file).read_bytes()
    else:
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(mb)d MB; split it into smaller files.")
                              % {"mb": MAX_BYTES // (1024 * 1024)})
    return data


def _table(data: bytes, filename: str) -> Iterator[tuple[int, list[Any]]]:
    """The rows of the first sheet (or of a CSV), read in a contained child process (see core.spreadsheets)."""
    try:
        rows = spreadsheets.read_table(data, filename, limits=READ_LIMITS)
    except spreadsheets.SpreadsheetError as exc:
        raise ImportFileError(exc.message) from exc
    for number, row in rows:
        yield number, [None if value == "" else value for value in row]


def _header_key(text: Any) -> str:
    value = str(text or "").strip().lower()
    value = re.sub(r"[(（][^)）]*[)）]", "", value)  # 证件号码（必填）
    return value.replace("*", "").replace("_", " ").replace("  ", " ").strip()


_ALIASES = {_header_key(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


# Checking ---------------------------------------------------------------------------------------------------


def _shown(name: str, value: Any) -> str:
    text = _cell_text(value)
    if name == "id_number":
        return crypto.mask_id_number(idnumbers.normalize(text))
    if name == "phone":
        return crypto.mask_phone(crypto.normalize_phone(text) or text)
    return text[:60]


def parse_date(value: Any) -> dt.date | None:
    """A date from a spreadsheet cell: a real date, or text such as 2024-03-01, 2024/3/1, 2024年3月1日, 20240301."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _cell_text(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return dt.date(year, month, day)  # ValueError for 2024-02-30
    raise ValueError(text)


class _Checker:
    def __init__(self, actor: User, headers: dict[str, str]) -> None:
        self.actor = actor
        self.headers = headers  # field -> header as written in the file
        self.errors: list[RowError] = []
        self.today = timezone.localdate()
        self._dwellings: dict[tuple[str, str, str], Dwelling | None] = {}
        self._rooms: dict[int, dict[tuple[str, str], Dwelling]] = {}
        self._compounds: dict[str, Compound] = {
            c.name: c for c in compounds(actor).select_related("neighborhood__subdistrict")}
        self._tags: dict[str, Tag] = {}
        for tag in Tag.objects.all():
            self._tags[tag.code.lower()] = tag
            self._tags[tag.name] = tag
            if tag.name_en:
                self._tags[tag.name_en.lower()] = tag

    def error(self, row: _Row, name: str, message: str) -> None:
        self.errors.append(RowError(row=row.number, column=self.headers.get(name, name),
                                    value=_shown(name, row.values.get(name)), message=str(message)))

    def _choice(self, row: _Row, name: str, mapping: dict[str, str], default: str = "") -> str | None:
        text = _cell_text(row.values.get(name))
        if not text:
            return default
        found = mapping.get(text) or mapping.get(text.lower())
        if found is None:
            words = "、".join(dict.fromkeys(key for key in mapping if not key.isascii()))
            self.error(row, name, _("Unknown value; use one of: %(words)s.") % {"words": words})
        return found

    def _date(self, row: _Row, name: str) -> tuple[bool, dt.date | None]:
        try:
            return True, parse_date(row.values.get(name))
        except ValueError:
            self.error(row, name, _("Not a date; write it as 2024-03-01."))
            return False, None

    def dwelling(self, row: _Row) -> Dwelling | None:
        compound_name = _cell_text(row.values.get("compound"))
        building = _cell_text(row.values.get("building"))
        room = _cell_text(row.values.get("room")).removesuffix("室")
        key = (compound_name, building, room)
        if key not in self._dwellings:
            compound = self._compounds.get(compound_name)
            found = None
            if compound is not None:
                rooms = self._rooms.get(compound.pk, {})
                for number in dict.fromkeys([building, f"{building}号", building.removesuffix("号")]):
                    found = rooms.get((number, room))
                    if found is not None:
                        break
            self._dwellings[key] = found
        found = self._dwellings[key]
        if found is None:
            if compound_name not in self._compounds:
                self.error(row, "compound", _("There is no compound of this name in your area."))
            else:
                self.error(row, "room", _("There is no room %(building)s %(room)s in %(compound)s.")
                           % {"building": building, "room": room, "compound": compound_name})
        return found

    def preload_dwellings(self, rows: Sequence[_Row]) -> None:
        """Load the rooms the file names, one query per compound, instead of one query per row."""
        wanted: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for row in rows:
            compound = self._compounds.get(_cell_text(row.values.get("compound")))
            if compound is None:
                continue
            building = _cell_text(row.values.get("building"))
            room = _cell_text(row.values.get("room")).removesuffix("室")
            for number in (building, f"{building}号", building.removesuffix("号")):
                wanted[compound.pk].add((number, room))
        by_pk = {compound.pk: compound for compound in self._compounds.values()}
        for compound_pk, pairs in wanted.items():
            buildings = dict(Building.objects.filter(compound_id=compound_pk,
                                                     number__in={number for number, _room in pairs})
                             .values_list("pk", "number"))
            rooms: dict[int, set[str]] = defaultdict(set)
            numbers = {number: pk for pk, number in buildings.items()}
            for number, room in pairs:
                if number in numbers:
                    rooms[numbers[number]].add(room)
            if not rooms:
                continue
            # Exactly the rooms named, as (building, room) pairs through the unique index on both, in one
            # query per few hundred pairs (row values work on PostgreSQL and SQLite alike), rather than every
            # room whose number appears in any building of the compound.
            found = self._rooms.setdefault(compound_pk, {})
            named = [(building_pk, room) for building_pk, building_rooms in rooms.items() for room in building_rooms]
            for start in range(0, len(named), 400):
                chunk = named[start:start + 400]
                # Only placeholders are put together here; the values go as parameters.
                pairs_sql = RawSQL(  # noqa: S611
                    "(building_id, room) IN (VALUES " + ", ".join(["(%s, %s)"] * len(chunk)) + ")",
                    [value for pair in chunk for value in pair], output_field=BooleanField())
                for dwelling in Dwelling.objects.filter(pairs_sql):
                    dwelling.building = Building(pk=dwelling.building_id, compound=by_pk[compound_pk],
                                                 number=buildings[dwelling.building_id])  # compound already loaded
                    found[(dwelling.building.number, dwelling.room)] = dwelling

    def tags(self, row: _Row) -> list[Tag]:
        found: list[Tag] = []
        for word in _TAG_SPLIT.split(_cell_text(row.values.get("tags"))):
            if not word:
                continue
            tag = self._tags.get(word) or self._tags.get(word.lower())
            if tag is None:
                self.error(row, "tags", _("Unknown tag %(tag)s.") % {"tag": word})
            elif tag not in found:
                found.append(tag)
        return found

    def check(self, row: _Row) -> _Clean | None:
        before = len(self.errors)
        name = _cell_text(row.values.get("name"))
        if not name:
            self.error(row, "name", _("Name is required."))
        for required in ("compound", "building", "room"):
            if not _cell_text(row.values.get(required)):
                self.error(row, required, _("This cell is required."))
        id_type = self._choice(row, "id_type", ID_TYPES, default=IdType.RESIDENT_ID)
        sex = self._choice(row, "sex", SEXES)
        residence_type = self._choice(row, "residence_type", RESIDENCE_TYPES)
        if residence_type == "":
            self.error(row, "residence_type", _("This cell is required."))
        relationship = self._choice(row, "relationship", RELATIONSHIPS)
        birth_ok, birth_date = self._date(row, "birth_date")
        started_ok, started_on = self._date(row, "started_on")
        if started_on and started_on > self.today:
            self.error(row, "started_on", _("The date is in the future."))
        id_number = idnumbers.normalize(_cell_text(row.values.get("id_number")))
        identity: tuple[str, str, dt.date] | None = None
        if id_type is not None and sex is not None and birth_ok:
            if id_type == IdType.RESIDENT_ID and not id_number:
                self.error(row, "id_number", _("The ID number is required for a resident identity card."))
            else:
                try:
                    identity = clean_identity(id_type=id_type, id_number=id_number, sex=sex or None,
                                              birth_date=birth_date)
                except DomainError as exc:
                    self.error(row, exc.field or "id_number", str(exc.message))
        try:
            phone = clean_phone(_cell_text(row.values.get("phone")))
        except DomainError as exc:
            self.error(row, "phone", str(exc.message))
            phone = ""
        tags = self.tags(row)
        dwelling = self.dwelling(row) if name and all(
            _cell_text(row.values.get(k)) for k in ("compound", "building", "room")) else None
        if identity is not None and started_on and started_on < identity[2]:
            self.error(row, "started_on", _("Living here cannot start before the date of birth."))
        if len(self.errors) > before or identity is None or dwelling is None or not started_ok:
            return None
        return _Clean(
            number=row.number, name=name, id_type=id_type or IdType.RESIDENT_ID, id_number=identity[0],
            sex=identity[1], birth_date=identity[2], phone=phone, residence_type=residence_type or "",
            dwelling=dwelling, ethnicity=_cell_text(row.values.get("ethnicity"))[:20],
            hukou_address=_cell_text(row.values.get("hukou_address"))[:150], tags=tags,
            started_on=started_on or self.today, relationship=relationship or "",
        )

    def duplicates(self, rows: Sequence[_Clean], raw: dict[int, _Row]) -> None:
        """The same ID twice in the file, or already on the registry (found through the blind index)."""
        index_field = Person._meta.get_field("id_number_index")
        seen: dict[tuple[str, str], int] = {}
        indexes: dict[tuple[str, str], list[int]] = defaultdict(list)
        for row in rows:
            if not row.id_number:
                continue
            row.id_number_index = index_field.index_for(row.id_number)  # type: ignore[attr-defined]
            key = (row.id_type, row.id_number_index)
            if key in seen:
                self.error(raw[row.number], "id_number", _("The same ID number is also on row %(row)d.")
                           % {"row": seen[key]})
            else:
                seen[key] = row.number
            indexes[key].append(row.number)
        for chunk in any_chunks(list(indexes)):
            # The "not empty" condition lets PostgreSQL use the partial index on the blind index.
            clash = (Person.objects.filter(id_number_index__any=[index for _type, index in chunk])
                     .exclude(id_number_index="").values_list("id_type", "id_number_index"))
            for key in clash:
                for number in indexes.get(key, ()):
                    self.error(raw[number], "id_number", _("A person with this ID number is already registered."))

    def heads(self, rows: Sequence[_Clean], raw: dict[int, _Row]) -> None:
        first_head: dict[int, int] = {}
        for row in rows:
            if row.relationship != Relationship.HEAD:
                continue
            if row.dwelling.pk in first_head:
                self.error(raw[row.number], "relationship",
                           _("Row %(row)d already names the head of household at this address.")
                           % {"row": first_head[row.dwelling.pk]})
            else:
                first_head[row.dwelling.pk] = row.number


def read_rows(data: bytes, filename: str) -> tuple[dict[str, str], list[_Row], list[RowError]]:
    """The header (field -> header text), the non-empty data rows, and any error with the file as a whole."""
    headers: dict[str, str] = {}
    rows: list[_Row] = []
    positions: dict[str, int] | None = None
    for number, cells in _table(data, filename):
        if not any(_cell_text(cell) for cell in cells):
            continue
        if positions is None:
            positions = {}
            for position, cell in enumerate(cells):
                name = _ALIASES.get(_header_key(cell))
                if name and name not in positions:
                    positions[name] = position
                    headers[name] = _cell_text(cell)
            missing = [COLUMNS[name][0] for name in REQUIRED if name not in positions]
            if missing:
                errors = [RowError(row=number, column=column, value="",
                                   message=_("The required column %(column)s is missing (or its header is spelt "
                                             "differently).") % {"column": column}) for column in missing]
                return headers, [], errors
            continue
        if len(rows) >= MAX_ROWS:
            return headers, [], [RowError(row=number, column="", value="", message=_(
                "The file has more than %(n)d rows; split it into smaller files.") % {"n": MAX_ROWS})]
        values = {name: cells[position] if position < len(cells) else None for name, position in positions.items()}
        rows.append(_Row(number=number, values=values))
    if positions is None:
        return headers, [], [RowError(row=None, column="", value="", message=_("The file is empty."))]
    if not rows:
        return headers, [], [RowError(row=None, column="", value="", message=_("The file has no rows below the "
                                                                               "header."))]
    return headers, rows, []


# Writing ----------------------------------------------------------------------------------------------------


def _write(actor: User, rows: Sequence[_Clean], filename: str) -> tuple[int, int]:
    # Households: the dwelling's existing one, else one new household per dwelling in the file.
    dwellings = {row.dwelling.pk: row.dwelling for row in rows}
    households: dict[int, int] = {}  # dwelling id -> household id
    for chunk in any_chunks(list(dwellings)):
        for dwelling_id, household_id in (Household.objects.filter(dwelling_id__any=chunk)
                                          .order_by("pk").values_list("dwelling_id", "pk")):
            households[dwelling_id] = household_id  # the newest wins
    created_households = []
    for dwelling in dwellings.values():
        if dwelling.pk not in households:
            neighborhood = dwelling.building.compound.neighborhood
            created_households.append(Household(number=f"new-{uuid.uuid4().hex[:24]}", dwelling=dwelling,
                                                neighborhood=neighborhood, subdistrict_id=neighborhood.subdistrict_id))
    insert_many(Household, created_households, number=("number", household_number))
    for household in created_households:
        households[household.dwelling_id] = household.pk
    new_household_ids = {h.dwelling_id for h in created_households}
    # In a new household without a named head, the first person listed at the address heads it.
    has_head = {row.dwelling.pk for row in rows if row.relationship == Relationship.HEAD}
    people = []
    for row in rows:
        relationship = row.relationship
        if not relationship and row.dwelling.pk in new_household_ids and row.dwelling.pk not in has_head:
            relationship = Relationship.HEAD
            has_head.add(row.dwelling.pk)
        compound = row.dwelling.building.compound
        people.append({
            "name": row.name, "sex": row.sex, "birth_date": row.birth_date, "id_type": row.id_type,
            "id_number": row.id_number, "id_number_index": row.id_number_index, "phone": row.phone,
            "ethnicity": row.ethnicity, "hukou_address": row.hukou_address, "status": PersonStatus.ACTIVE,
            "residence_type": row.residence_type, "subdistrict_id": compound.neighborhood.subdistrict_id,
            "neighborhood_id": compound.neighborhood_id, "compound_id": compound.pk, "dwelling_id": row.dwelling.pk,
            "household_id": households[row.dwelling.pk], "relationship": relationship,
        })
    try:
        with transaction.atomic():
            pks = insert_rows(Person, people)
    except IntegrityError as exc:
        raise Conflict(_("A person in the file was registered by someone else meanwhile; import it again.")) from exc
    note = _("Imported from %(file)s") % {"file": filename}
    where = [{"person_id": pk, "dwelling_id": person["dwelling_id"], "neighborhood_id": person["neighborhood_id"],
              "subdistrict_id": person["subdistrict_id"]} for pk, person in zip(pks, people, strict=True)]
    insert_rows(Residence, [{**place, "residence_type": row.residence_type, "started_on": row.started_on}
                            for place, row in zip(where, rows, strict=True)])
    insert_rows(LifeEvent, [{**place, "kind": LifeEventKind.REGISTERED, "occurred_on": row.started_on,
                             "recorded_by_id": actor.pk, "note": note}
                            for place, row in zip(where, rows, strict=True)])
    through = Person.tags.through
    through.objects.bulk_create([
        through(person_id=pk, tag_id=tag.pk) for pk, row in zip(pks, rows, strict=True) for tag in row.tags
    ], batch_size=1000)
    # After the write: everything written must be inside the actor's area, or it is all undone.
    visible = 0
    for chunk in any_chunks(pks):
        visible += restrict(Person.objects.filter(pk__any=chunk), actor, "view").count()
    if visible != len(pks):
        raise NotFound(_("That address is not in your area."))
    audit.record(actor=actor, event=PEOPLE_IMPORTED, after={
        "filename": filename, "people": len(people), "households_created": len(created_households),
        "by_residence_type": dict(Counter(row.residence_type for row in rows)),
        "neighborhoods": sorted({row.dwelling.building.compound.neighborhood.code for row in rows}),
    })
    return len(people), len(created_households)


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def import_people(
    *, actor: User, file: bytes | IO[bytes] | str | Path, filename: str = "", dry_run: bool = False,
    progress: Progress = _no_progress,
) -> ImportResult:
    """Check every row of a resident spreadsheet; if all are right (and not ``dry_run``), register them all.

    Returns the result with the errors of every row; nothing is written when there is any.
    Raises :class:`NotFound` when the actor may not import residents. ``progress`` is told the stage
    (reading, checking, writing) and the rows checked so far.
    """
    if not can(actor, Person, "import"):
        raise NotFound()
    filename = Path(filename or (str(file) if isinstance(file, str | Path) else "upload")).name
    result = ImportResult(filename=filename, dry_run=dry_run)
    progress("reading", 0, 0)
    try:
        data = _read_bytes(file)
        headers, raw_rows, file_errors = read_rows(data, filename)
    except ImportFileError as exc:
        result.errors.append(RowError(row=None, column="", value="", message=str(exc.message)))
        return result
    result.rows = len(raw_rows)
    if file_errors:
        result.errors.extend(file_errors)
        return result
    checker = _Checker(actor, headers)
    checker.preload_dwellings(raw_rows)
    clean = []
    for done, raw in enumerate(raw_rows, start=1):
        checked = checker.check(raw)
        if checked is not None:
            clean.append(checked)
        if done % CHECK_PROGRESS_EVERY == 0 or done == len(raw_rows):
            progress("checking", done, len(raw_rows))
    by_number = {raw.number: raw for raw in raw_rows}
    checker.duplicates(clean, by_number)
    checker.heads(clean, by_number)
    result.errors = sorted(checker.errors, key=lambda e: (e.row or 0))
    if result.errors or dry_run:
        return result
    progress("writing", 0, 0)
    with transaction.atomic():
        result.created, result.households = _write(actor, clean, filename)
    return result


# Exporting --------------------------------------------------------------------------------------------------


def export_rows(people: QuerySet[Person]) -> Iterable[list[Any]]:
    """Rows in the import layout, ID number and phone masked and the year of birth only (docs/privacy.md)."""
    current = {r.person_id: r.started_on for r in Residence.objects.filter(person__in=people, ended_on__isnull=True)}
    found = people.select_related("dwelling__building__compound").prefetch_related("tags")
    for person in found.iterator(chunk_size=2000):
        dwelling = person.dwelling
        yield [
            person.name, ID_TYPE_WORDS.get(person.id_type, person.id_type), person.id_number_masked,
            SEX_WORDS.get(person.sex, person.sex), crypto.mask_birth_date(person.birth_date), person.phone_masked,
            RESIDENCE_TYPE_WORDS.get(person.residence_type, person.residence_type),
            dwelling.building.compound.name if dwelling else "", dwelling.building.number if dwelling else "",
            dwelling.room if dwelling else "", person.ethnicity, person.hukou_address,
            "、".join(tag.name for tag in person.tags.all()), current.get(person.pk),
            RELATIONSHIP_WORDS.get(person.relationship, person.relationship),
        ]
