"""Every write of the linkage app: import a batch, run linkage, decide a pair, merge, un-merge.

Each action takes keyword arguments and an ``actor``, writes its audit entry in its own transaction,
and refuses (with the same NotFound a forbidden read gets) what the actor's role may not do.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, spreadsheets
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import User
from shequ.core.scopes import can, get_visible
from shequ.health import actions as health_actions
from shequ.health import queries as health_queries
from shequ.linkage import engine, queries
from shequ.linkage.choices import CandidateStatus, LinkOrigin, SourceKind
from shequ.linkage.models import (
    LinkageRun,
    LinkCandidate,
    PersonLink,
    ReviewDecision,
    SourceBatch,
    SourceRecord,
)
from shequ.population import queries as population_queries
from shequ.population.models import Person

BATCH_IMPORTED = "linkage.batch_imported"
LINKAGE_RUN = "linkage.run_finished"
PAIR_DECIDED = "linkage.pair_decided"
RECORD_MERGED = "linkage.record_merged"
RECORD_UNMERGED = "linkage.record_unmerged"

# Column headers accepted in a batch file: English keys or the Chinese headers clinics use.
HEADERS = {
    "external_id": ("external_id", "编号", "病历号", "档案号"),
    "name": ("name", "姓名"),
    "sex": ("sex", "性别"),
    "birth_date": ("birth_date", "出生日期"),
    "id_number": ("id_number", "身份证号", "证件号码"),
    "phone": ("phone", "电话", "手机"),
    "address": ("address", "地址", "住址"),
    "occurred_on": ("occurred_on", "就诊日期"),
    "facility": ("facility", "就诊机构", "医院"),
    "reason": ("reason", "就诊原因", "主诉"),
    "diagnosis": ("diagnosis", "诊断"),
    "diagnosis_code": ("diagnosis_code", "诊断编码", "ICD10"),
}
_SEX = {"M": "M", "F": "F", "男": "M", "女": "F", "": ""}
HISTOGRAM_BINS = list(range(-10, 31, 5))


def _require(actor: User, model: type, action: str) -> None:
    if not can(actor, model, action):
        raise NotFound()


def _subdistrict(actor: User) -> int:
    """Linkage data belongs to the sub-district of the health worker who writes it."""
    if actor.subdistrict_id is None:
        raise NotFound()
    return actor.subdistrict_id


# A batch is a clinic's export: smaller than the registry, and never wider than a few dozen columns.
READ_LIMITS = spreadsheets.with_limits(max_bytes=20 * 1024 * 1024, max_rows=200_000, max_columns=100)


def _rows(data: bytes, filename: str) -> list[list[Any]]:
    """The rows of the file, read in a contained child process (see core.spreadsheets)."""
    kind = "workbook" if filename.lower().endswith((".xlsx", ".xlsm", ".xls")) else "text"
    try:
        table = spreadsheets.read_table(data, filename, limits=READ_LIMITS, kind=kind)
    except spreadsheets.SpreadsheetError as exc:
        raise Invalid(exc.message, field="file") from exc
    return [cells for _number, cells in table]


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    return dt.date.fromisoformat(text)


def parse_batch(data: bytes, filename: str) -> list[dict[str, Any]]:
    """The rows of a batch file as field dicts; every error of every row, or none at all."""
    rows = [row for row in _rows(data, filename) if any(str(cell or "").strip() for cell in row)]
    if not rows:
        raise Invalid(_("The file is empty."))
    header = [str(cell or "").strip() for cell in rows[0]]
    columns: dict[str, int] = {}
    for field, names in HEADERS.items():
        for index, title in enumerate(header):
            if title in names:
                columns[field] = index
    if "name" not in columns:
        raise Invalid(_("The file has no name column (姓名 or name)."))
    parsed, errors = [], []
    for number, row in enumerate(rows[1:], start=2):
        item: dict[str, Any] = {field: str(row[index] if index < len(row) and row[index] is not None else "").strip()
                for field, index in columns.items()}
        if not item.get("name"):
            errors.append(_("Row %(n)d: the name is missing.") % {"n": number})
            continue
        try:
            item["birth_date"] = _date((row[columns["birth_date"]] if "birth_date" in columns else None) or None)
        except (ValueError, IndexError):
            errors.append(_("Row %(n)d: the date of birth is not a date.") % {"n": number})
            continue
        try:
            item["occurred_on"] = _date((row[columns["occurred_on"]] if "occurred_on" in columns else None) or None)
        except (ValueError, IndexError):
            errors.append(_("Row %(n)d: the date of the visit is not a date.") % {"n": number})
            continue
        sex = _SEX.get(item.get("sex", "").upper() if item.get("sex", "").isascii() else item.get("sex", ""))
        if sex is None:
            errors.append(_("Row %(n)d: the sex must be M, F, 男 or 女.") % {"n": number})
            continue
        item["sex"] = sex
        parsed.append(item)
    if errors:
        raise Invalid(_("Nothing was imported: the file has errors."), details=errors[:50])
    return parsed


def import_batch(*, actor: User, kind: str, data: bytes, filename: str) -> SourceBatch:
    """Import a CSV or Excel file of clinic encounters or health records: all rows, or none.

    The file is read (in a contained child process) before the transaction that writes its rows begins."""
    _require(actor, SourceRecord, "import")
    return import_records(actor=actor, kind=kind, rows=parse_batch(data, filename), filename=filename)


@transaction.atomic(durable=True)
def import_records(*, actor: User, kind: str, rows: list[dict[str, Any]], filename: str = "") -> SourceBatch:
    """Import a batch sent through the API (rows already validated field by field): all rows, or none."""
    _require(actor, SourceRecord, "import")
    if not rows:
        raise Invalid(_("The file is empty."), field="records")
    return _save_batch(actor=actor, kind=kind, rows=rows, filename=filename)


_ROW_FIELDS = ("external_id", "name", "sex", "birth_date", "id_number", "phone", "address", "occurred_on", "facility",
               "reason", "diagnosis", "diagnosis_code")


def _save_batch(*, actor: User, kind: str, rows: list[dict[str, Any]], filename: str) -> SourceBatch:
    if kind not in SourceKind.values:
        raise Invalid(_("Unknown source."), field="kind")
    batch = SourceBatch.objects.create(subdistrict_id=_subdistrict(actor), kind=kind, filename=filename[:200],
                                       rows=len(rows), imported_by=actor)
    SourceRecord.objects.bulk_create(
        [SourceRecord(batch=batch, subdistrict_id=_subdistrict(actor),
                      **{key: row[key] for key in _ROW_FIELDS if key in row}) for row in rows],
        batch_size=2000)
    audit.record(actor=actor, event=BATCH_IMPORTED, obj=batch, after={"kind": kind, "rows": len(rows),
                                                                      "filename": filename})
    return batch


def _encounter_ref(record: SourceRecord) -> str:
    """The record's own key, not its ``external_id``: clinics put a patient number (病历号) there, which every
    visit of the same person shares, and each visit must become its own encounter."""
    return f"linkage:{record.pk}"


def _into_health(*, actor: User, links: list[PersonLink]) -> int:
    """三库合一 made useful: a clinic visit just linked to a person is recorded in her health record, and a
    linked health-record (健康档案) row opens her record if she has none yet.

    Each link is written in its own savepoint: a person the actor may not write health data for (a family
    doctor running linkage for people outside her contracts) keeps the link but gets no encounter from this
    actor; the visit is recorded when someone who may writes it (the same call is idempotent). Returns how
    many links reached the health record.
    """
    records = {r.pk: r for r in SourceRecord.objects.select_related("batch").filter(
        pk__in=[link.record_id for link in links])}
    people = {p.pk: p for p in Person.objects.filter(pk__in=[link.person_id for link in links])}
    written = 0
    for link in links:
        record, person = records[link.record_id], people[link.person_id]
        try:
            with transaction.atomic():
                if record.batch.kind == SourceKind.CLINIC and record.occurred_on and record.facility:
                    health_actions.record_encounter(
                        actor=actor, person=person, occurred_on=record.occurred_on, facility=record.facility,
                        reason=record.reason or "", diagnosis=record.diagnosis or "",
                        diagnosis_code=record.diagnosis_code or "", source=health_actions.Source.IMPORT,
                        source_ref=_encounter_ref(record))
                elif record.batch.kind == SourceKind.HEALTH:
                    if health_queries.records(actor).filter(person=person).exists():
                        continue
                    health_actions.open_health_record(actor=actor, person=person)
                else:
                    continue
        except (NotFound, Invalid, Conflict):
            continue
        written += 1
    return written


def _registry_table(actor: User) -> Any:
    import pyarrow as pa

    people = population_queries.people(actor).select_related("dwelling")
    rows = [{"person_id": p.pk, "name": p.name, "sex": p.sex, "birth_date": p.birth_date, "id_number": p.id_number,
             "phone": p.phone, "address": p.dwelling.label if p.dwelling else p.hukou_address}
            for p in people.iterator(chunk_size=5000)]
    return pa.Table.from_pylist(rows, schema=_schema("person_id"))


def _schema(key: str) -> Any:
    import pyarrow as pa

    return pa.schema([(key, pa.int64()), ("name", pa.string()), ("sex", pa.string()), ("birth_date", pa.date32()),
                      ("id_number", pa.string()), ("phone", pa.string()), ("address", pa.string())])


def run_linkage(*, actor: User, progress: Callable[[str, int, int], None] | None = None) -> LinkageRun:
    """Link every record of the actor's sub-district that has no open link to the registry.

    The model runs outside the database transaction (it only reads); its results, the links above the
    automatic threshold and the audit entry are written in one transaction at the end. Earlier review
    decisions are passed to the model, which follows them over its own scores.
    """
    import pyarrow as pa

    _require(actor, LinkageRun, "add")
    report = progress or (lambda stage, done, total: None)
    started = time.perf_counter()
    report("reading", 0, 100)
    records = list(queries.unlinked_records(actor))
    sources = pa.Table.from_pylist(
        [{"record_id": r.pk, "name": r.name, "sex": r.sex, "birth_date": r.birth_date, "id_number": r.id_number,
          "phone": r.phone, "address": r.address} for r in records], schema=_schema("record_id"))
    registry = _registry_table(actor)
    decisions = queries.decision_map(actor)
    if records and registry.num_rows:
        result = engine.link(registry, sources, decisions=decisions,
                             progress=lambda fraction, stage: report("linking", int(fraction * 100), 100))
        outcome = result.table.to_pylist()
    else:
        outcome = [{"record_id": r.pk, "person_id": None, "match_weight": None, "match_probability": None,
                    "stage": "none", "status": CandidateStatus.UNMATCHED} for r in records]
    report("writing", 100, 100)
    return _save_run(actor=actor, outcome=outcome, reused=sum(1 for o in outcome if o["stage"] == "decision"),
                     seconds=time.perf_counter() - started)


@transaction.atomic(durable=True)
def _save_run(*, actor: User, outcome: list[dict[str, Any]], reused: int, seconds: float) -> LinkageRun:
    counts = {status: sum(1 for o in outcome if o["status"] == status) for status in CandidateStatus.values}
    weights = [o["match_weight"] for o in outcome if o["match_weight"] is not None]
    histogram = [{"from": low, "count": sum(1 for w in weights if low <= w < low + 5 or
                                            (low == HISTOGRAM_BINS[0] and w < low) or
                                            (low == HISTOGRAM_BINS[-1] and w >= low))}
                 for low in HISTOGRAM_BINS]
    run = LinkageRun.objects.create(
        subdistrict_id=_subdistrict(actor), started_by=actor, records=len(outcome),
        linked=counts[CandidateStatus.LINKED], review=counts[CandidateStatus.REVIEW],
        unmatched=counts[CandidateStatus.UNMATCHED], reused_decisions=reused, histogram=histogram, seconds=seconds)
    LinkCandidate.objects.bulk_create([
        LinkCandidate(run=run, record_id=o["record_id"], person_id=o["person_id"], match_weight=o["match_weight"],
                      match_probability=o["match_probability"], stage=o["stage"], status=o["status"],
                      subdistrict_id=_subdistrict(actor))
        for o in outcome
    ], batch_size=2000)
    links = PersonLink.objects.bulk_create([
        PersonLink(record_id=o["record_id"], person_id=o["person_id"], match_weight=o["match_weight"],
                   origin=LinkOrigin.REVIEW if o["stage"] == "decision" else LinkOrigin.MODEL, created_by=actor,
                   subdistrict_id=_subdistrict(actor))
        for o in outcome if o["status"] == CandidateStatus.LINKED
    ], batch_size=2000)
    _into_health(actor=actor, links=links)
    audit.record(actor=actor, event=LINKAGE_RUN, obj=run, after={**counts, "records": len(outcome),
                                                                "reused_decisions": reused})
    return run


@transaction.atomic(durable=True)
def decide(*, actor: User, candidate: LinkCandidate, is_match: bool, note: str = "") -> ReviewDecision:
    """A health worker's decision on a pair in the review queue; a match merges the record at once."""
    _require(actor, ReviewDecision, "add")
    candidate = get_visible(LinkCandidate.objects.select_for_update(), actor, "change", pk=candidate.pk)
    if candidate.person_id is None:
        raise Invalid(_("This record has no proposed person to decide on."))
    decision = ReviewDecision.objects.create(
        record_id=candidate.record_id, person_id=candidate.person_id, is_match=is_match, note=note[:200],
        decided_by=actor, subdistrict_id=_subdistrict(actor))
    audit.record(actor=actor, event=PAIR_DECIDED, obj=decision,
                 after={"record": candidate.record_id, "person": candidate.person_id, "is_match": is_match},
                 reason=note)
    if is_match:
        _merge(actor=actor, record_id=candidate.record_id, person_id=candidate.person_id,
               origin=LinkOrigin.REVIEW, weight=candidate.match_weight)
    return decision


def _merge(*, actor: User, record_id: int, person_id: int, origin: str, weight: float | None) -> PersonLink:
    if PersonLink.objects.filter(record_id=record_id, ended_at__isnull=True).exists():
        raise Conflict(_("This record is already merged into a person; un-merge it first."))
    link = PersonLink.objects.create(record_id=record_id, person_id=person_id, origin=origin, match_weight=weight,
                                     created_by=actor, subdistrict_id=_subdistrict(actor))
    audit.record(actor=actor, event=RECORD_MERGED, obj=link, after={"record": record_id, "person": person_id,
                                                                   "origin": origin})
    _into_health(actor=actor, links=[link])
    return link


@transaction.atomic(durable=True)
def merge(*, actor: User, record: SourceRecord, person: Person) -> PersonLink:
    """Merge a record into a person's index by hand (both must be visible to the actor)."""
    _require(actor, PersonLink, "add")
    record = get_visible(SourceRecord.objects.all(), actor, "view", pk=record.pk)
    person = get_visible(population_queries.people(actor), actor, "view", pk=person.pk)
    return _merge(actor=actor, record_id=record.pk, person_id=person.pk, origin=LinkOrigin.REVIEW, weight=None)


@transaction.atomic(durable=True)
def unmerge(*, actor: User, link: PersonLink, reason: str) -> PersonLink:
    """Take a record out of a person's index again. The link row is kept (ended), with who and why; a
    decision "not the same person" is recorded so that the next run does not merge them again."""
    _require(actor, PersonLink, "change")
    link = get_visible(PersonLink.objects.select_for_update(), actor, "change", pk=link.pk)
    if link.ended_at is not None:
        raise Conflict(_("This link has already been undone."))
    if not reason.strip():
        raise Invalid(_("Say why the record is not this person."), field="reason")
    link.ended_at, link.ended_by, link.end_reason = timezone.now(), actor, reason[:200]
    link.save(update_fields=["ended_at", "ended_by", "end_reason"])
    ReviewDecision.objects.create(record_id=link.record_id, person_id=link.person_id, is_match=False,
                                  note=reason[:200], decided_by=actor, subdistrict_id=_subdistrict(actor))
    # The visit recorded from this link must not stay on the wrong person (health keeps it, withdrawn).
    health_actions.withdraw_encounter(actor=actor, source=health_actions.Source.IMPORT,
                                      source_ref=_encounter_ref(link.record), reason=reason)
    audit.record(actor=actor, event=RECORD_UNMERGED, obj=link,
                 before={"record": link.record_id, "person": link.person_id}, after={"ended": True}, reason=reason)
    return link
