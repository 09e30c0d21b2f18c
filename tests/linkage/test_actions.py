"""Import, run, decide, merge and un-merge, as the health centre uses them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from shequ.core.audit import opened as sealed_opened
from shequ.core.errors import Invalid, NotFound
from shequ.core.models import AuditEntry
from shequ.core.roles import Role
from shequ.linkage import actions, queries
from shequ.linkage.models import LinkCandidate, PersonLink, ReviewDecision, SourceRecord
from tests.linkage.conftest import csv_of


def _import(doctor, rows, kind="clinic"):
    return actions.import_batch(actor=doctor, kind=kind, data=csv_of(rows), filename="clinic.csv")


def test_a_clinic_file_is_imported_with_identifiers_encrypted_and_audited(doctor, wang):
    batch = _import(doctor, [{"external_id": "A1", "name": "王秀英", "sex": "女", "birth_date": "1950-03-08",
                              "id_number": wang.id_number, "phone": "13812345678"}])
    record = SourceRecord.objects.get(batch=batch)
    assert record.id_number == wang.id_number and record.sex == "F"
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM linkage_sourcerecord WHERE id = %s", [record.pk])
        stored = " ".join(cursor.fetchone())
    assert wang.id_number not in stored and "13812345678" not in stored
    assert AuditEntry.objects.filter(event=actions.BATCH_IMPORTED, object_id=str(batch.pk)).exists()


def test_a_file_with_one_bad_row_imports_nothing_and_says_which_row(doctor):
    with pytest.raises(Invalid) as error:
        _import(doctor, [{"name": "王秀英", "birth_date": "1950-03-08"}, {"name": "李梅", "birth_date": "1950-13-40"}])
    assert "3" in str(error.value.details)
    assert not SourceRecord.objects.exists()
    assert not AuditEntry.objects.filter(event=actions.BATCH_IMPORTED).exists()


def test_a_run_links_a_record_with_a_mistyped_id_and_leaves_an_outsider_unmatched(doctor, wang, li):
    typo = wang.id_number[:9] + ("0" if wang.id_number[9] != "0" else "1") + wang.id_number[10:]
    _import(doctor, [
        {"name": "王秀英", "sex": "F", "birth_date": "1950-03-08", "id_number": typo},
        {"name": "李建国", "sex": "M", "birth_date": "1948-11-02", "id_number": li.id_number},
        {"name": "周小川", "sex": "M", "birth_date": "1990-05-05"},
    ])
    run = actions.run_linkage(actor=doctor)
    assert (run.records, run.linked, run.unmatched) == (3, 2, 1)
    linked = {link.record.name: link.person for link in queries.links(doctor)}
    assert linked == {"王秀英": wang, "李建国": li}
    assert AuditEntry.objects.filter(event=actions.LINKAGE_RUN, object_id=str(run.pk)).exists()


def _review_pair(doctor, wang):
    """Between the thresholds: a homophone of her name, day and month of birth swapped, no ID, another phone."""
    _import(doctor, [{"name": "王秀瑛", "sex": "F", "birth_date": "1950-08-03", "phone": "13000000000"}])
    run = actions.run_linkage(actor=doctor)
    assert run.review == 1
    return queries.review_queue(doctor).get()


def test_a_review_decision_is_kept_and_used_by_the_next_run(doctor, wang):
    candidate = _review_pair(doctor, wang)
    assert candidate.person == wang
    decision = actions.decide(actor=doctor, candidate=candidate, is_match=False, note="不同人")
    assert AuditEntry.objects.filter(event=actions.PAIR_DECIDED, object_id=str(decision.pk)).exists()
    second = actions.run_linkage(actor=doctor)
    assert second.review == 0 and second.unmatched == 1
    assert not queries.review_queue(doctor).exists()
    assert LinkCandidate.objects.get(run=second).person is None


def test_a_match_decision_merges_the_record_and_the_next_run_keeps_it(doctor, wang):
    candidate = _review_pair(doctor, wang)
    actions.decide(actor=doctor, candidate=candidate, is_match=True)
    link = PersonLink.objects.get(ended_at__isnull=True)
    assert link.person == wang and link.origin == "review"
    assert AuditEntry.objects.filter(event=actions.RECORD_MERGED, object_id=str(link.pk)).exists()
    assert actions.run_linkage(actor=doctor).records == 0


def test_un_merging_restores_both_the_record_and_the_person_and_is_audited(doctor, wang):
    _import(doctor, [{"name": "王秀英", "sex": "F", "birth_date": "1950-03-08", "id_number": wang.id_number}])
    actions.run_linkage(actor=doctor)
    link = queries.links(doctor).get()
    record_before = SourceRecord.objects.filter(pk=link.record_id).values().get()
    actions.unmerge(actor=doctor, link=link, reason="身份证借用")
    assert not queries.links(doctor).exists()
    assert SourceRecord.objects.filter(pk=link.record_id).values().get() == record_before
    wang.refresh_from_db()
    assert wang.name == "王秀英" and wang.birth_date == dt.date(1950, 3, 8)
    assert ReviewDecision.objects.get(record_id=link.record_id, person=wang).is_match is False
    entry = AuditEntry.objects.get(event=actions.RECORD_UNMERGED)
    assert sealed_opened(entry).reason == "身份证借用" and entry.object_id == str(link.pk)
    # The next run follows the un-merge: the record stays apart from her.
    assert actions.run_linkage(actor=doctor).linked == 0


@pytest.mark.parametrize("role", [Role.LIBRARIAN, Role.COMMITTEE, Role.RESIDENT])
def test_a_librarian_a_committee_worker_or_a_resident_sees_no_linkage_data(role, doctor, wang, make_staff, resident):
    _import(doctor, [{"name": "王秀英", "sex": "F", "birth_date": "1950-03-08", "id_number": wang.id_number}])
    actions.run_linkage(actor=doctor)
    user = resident if role == Role.RESIDENT else make_staff(role, f"x-{role}")
    assert not queries.records(user).exists()
    assert not queries.links(user).exists()
    assert not queries.runs(user).exists()
    with pytest.raises(NotFound):
        actions.run_linkage(actor=user)
    with pytest.raises(NotFound):
        actions.import_batch(actor=user, kind="clinic", data=csv_of([{"name": "x"}]), filename="x.csv")


def test_the_command_line_imports_a_file_and_runs_linkage(doctor, wang, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "clinic.csv"
    path.write_bytes(csv_of([{"name": "王秀英", "sex": "女", "birth_date": "1950-03-08",
                              "id_number": wang.id_number}]))
    call_command("import_sources", str(path), kind="clinic", username="doctor")
    call_command("link", username="doctor")
    assert queries.links(doctor).get().person == wang


def test_an_un_merge_can_itself_be_undone_by_merging_again_and_both_are_audited(doctor, wang):
    _import(doctor, [{"name": "王秀英", "sex": "F", "birth_date": "1950-03-08", "id_number": wang.id_number}])
    actions.run_linkage(actor=doctor)
    first = queries.links(doctor).get()
    actions.unmerge(actor=doctor, link=first, reason="误操作")
    again = actions.merge(actor=doctor, record=first.record, person=wang)
    assert queries.links(doctor).get() == again and again.person == wang
    assert PersonLink.objects.count() == 2  # the undone link is kept as history
    assert AuditEntry.objects.filter(event=actions.RECORD_MERGED, object_id=str(again.pk)).exists()


def test_a_record_cannot_be_merged_into_a_person_of_another_sub_district(doctor, wang, org):
    from shequ.core import actions as core_actions
    from shequ.core.models import Subdistrict

    _import(doctor, [{"name": "王秀英", "sex": "F", "birth_date": "1950-03-08"}])
    record = SourceRecord.objects.get()
    other = Subdistrict.objects.create(code="310105003", name="华阳路街道", district="长宁区", city="上海市")
    stranger_doctor = core_actions.create_user(actor=None, username="o", role=Role.HEALTH, subdistrict=other)
    with pytest.raises(NotFound):
        actions.merge(actor=stranger_doctor, record=record, person=wang)
    assert not PersonLink.objects.exists()
