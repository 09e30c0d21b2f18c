"""The linkage pages as a health worker uses them: import, run, report, review side by side, un-merge."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.core import actions as core_actions
from shequ.core.models import AuditEntry, Subdistrict, Task
from shequ.core.roles import Role
from shequ.linkage import actions, queries
from shequ.linkage.models import PersonLink, ReviewDecision, SourceRecord
from tests.core import hostile_files
from tests.linkage.conftest import csv_of


@pytest.fixture
def queued(doctor, wang):
    """One record waiting for review: a homophone name, day and month swapped, the ID missing, another phone."""
    actions.import_batch(actor=doctor, kind="health", filename="h.csv", data=csv_of([
        {"name": "王秀瑛", "sex": "F", "birth_date": "1950-08-03", "phone": "13000000000"}]))
    run = actions.run_linkage(actor=doctor)
    return run, queries.review_queue(doctor).get()


@pytest.fixture
def other_doctor(org):
    other = Subdistrict.objects.create(code="310105003", name="华阳路街道", district="长宁区", city="上海市")
    return core_actions.create_user(actor=None, username="other-doctor", role=Role.HEALTH, full_name="Other",
                                    subdistrict=other)


def test_the_review_page_shows_both_records_side_by_side_with_identifiers_masked(client, doctor, wang, queued):
    _run, candidate = queued
    client.force_login(doctor)
    page = client.get(f"/linkage/review/{candidate.pk}/").content.decode()
    assert "王秀瑛" in page and "王秀英" in page
    assert wang.id_number_masked in page and wang.id_number not in page
    assert "138****5678" in page and "13812345678" not in page


def test_a_health_worker_decides_same_person_on_the_review_page(client, doctor, wang, queued):
    _run, candidate = queued
    client.force_login(doctor)
    response = client.post(f"/linkage/review/{candidate.pk}/", {"is_match": "1", "note": "电话一致"})
    assert response.status_code == 302
    assert ReviewDecision.objects.get().is_match is True
    assert PersonLink.objects.get(ended_at__isnull=True).person == wang
    assert not queries.review_queue(doctor).exists()


def test_the_run_report_shows_counts_histogram_and_backlog(client, doctor, queued):
    run, _candidate = queued
    client.force_login(doctor)
    response = client.get(f"/linkage/runs/{run.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="review">1<' in page and 'data-testid="records">1<' in page
    assert sum(bar["count"] for bar in run.histogram) == 1


@pytest.mark.parametrize("who", ["other_doctor", "librarian", "committee", "anonymous"])
def test_linkage_pages_are_not_found_outside_the_health_workers_sub_district(client, who, queued, other_doctor,
                                                                             make_staff, org):
    run, candidate = queued
    if who == "other_doctor":
        client.force_login(other_doctor)
    elif who == "librarian":
        client.force_login(make_staff(Role.LIBRARIAN, "lib"))
    elif who == "committee":
        client.force_login(make_staff(Role.COMMITTEE, "cw", neighborhood=org.huashan))
    for url in (f"/linkage/review/{candidate.pk}/", f"/linkage/runs/{run.pk}/"):
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302 and "/login/" in response["Location"]
        else:
            assert response.status_code == 404, url
    if who == "other_doctor":
        page = client.get("/linkage/review/").content.decode()
        assert "王秀瑛" not in page


def _upload_and_run(client, upload, kind="clinic"):
    """Post the file as the health worker does, let the worker run the task, and open the task page."""
    response = client.post("/linkage/", {"kind": kind, "file": upload})
    assert response.status_code == 302 and not SourceRecord.objects.exists()  # nothing read inside the request
    task = core_actions.run_next_task()
    assert task is not None and task.kind == "linkage.import_batch" and task.status == "succeeded"
    assert response["Location"] == f"/tasks/{task.pk}/"
    return client.get(response["Location"])


def test_importing_a_file_on_the_page_and_starting_a_run_as_background_tasks(client, doctor, wang):
    client.force_login(doctor)
    upload = SimpleUploadedFile("clinic.csv", csv_of([{"name": "王秀英", "sex": "女", "birth_date": "1950-03-08",
                                                       "id_number": wang.id_number}]))
    page = _upload_and_run(client, upload)
    assert page.context["result"]["rows"] == 1 and SourceRecord.objects.count() == 1
    response = client.post("/linkage/runs/start/")
    task = Task.objects.get(kind="linkage.run")
    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    core_actions.run_next_task()
    task.refresh_from_db()
    assert task.status == "succeeded" and task.result["linked"] == 1
    assert "1" in client.get(f"/tasks/{task.pk}/").content.decode()


def test_a_bad_file_on_the_page_shows_the_row_errors_and_imports_nothing(client, doctor):
    client.force_login(doctor)
    upload = SimpleUploadedFile("clinic.csv", csv_of([{"name": "", "birth_date": "1950-03-08"}]))
    page = _upload_and_run(client, upload)
    assert page.context["result"]["ok"] is False and len(page.context["result"]["errors"]) == 1
    assert "import-errors" in page.content.decode() and not SourceRecord.objects.exists()


@pytest.mark.parametrize(("hostile", "message"), hostile_files.UPLOADS_AND_MESSAGES)
def test_a_hostile_workbook_fails_the_import_with_a_clear_message_and_imports_nothing(
        client, doctor, settings, hostile, message):
    client.force_login(doctor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    upload = SimpleUploadedFile("clinic.xlsx", hostile([["姓名", "出生日期"], ["王秀英", "1950-03-08"]]))
    page = _upload_and_run(client, upload)
    assert page.context["result"]["ok"] is False and message in page.context["result"]["message"]
    assert not SourceRecord.objects.exists() and not AuditEntry.objects.filter(event=actions.BATCH_IMPORTED).exists()


def test_un_merging_on_the_page_needs_a_reason(client, doctor, wang):
    actions.import_batch(actor=doctor, kind="clinic", filename="c.csv", data=csv_of([
        {"name": "王秀英", "sex": "F", "birth_date": "1950-03-08", "id_number": wang.id_number}]))
    actions.run_linkage(actor=doctor)
    link = PersonLink.objects.get()
    client.force_login(doctor)
    client.post(f"/linkage/links/{link.pk}/unmerge/", {"reason": ""})
    assert PersonLink.objects.get().ended_at is None
    client.post(f"/linkage/links/{link.pk}/unmerge/", {"reason": "不是本人"})
    assert PersonLink.objects.get().ended_at is not None


def test_an_outside_system_posts_a_batch_through_the_api_all_or_nothing(doctor, wang):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(doctor)
    good = {"name": "王秀英", "sex": "F", "birth_date": "1950-03-08", "id_number": wang.id_number}
    response = api.post("/api/v1/linkage/batches/", {"kind": "clinic", "records": [good]}, format="json")
    assert response.status_code == 201 and response.json()["rows"] == 1
    assert "id_number" not in str(response.json())
    bad = api.post("/api/v1/linkage/batches/", {"kind": "clinic", "records": [good, {"sex": "X"}]}, format="json")
    assert bad.status_code == 400 and SourceRecord.objects.count() == 1
    assert api.post("/api/v1/linkage/batches/", {"kind": "clinic", "records": "x"}, format="json").status_code == 400


@pytest.mark.parametrize("who", ["doctor", "other_doctor", "librarian", "anonymous"])
def test_the_runs_api_answers_by_role_and_sub_district(who, doctor, other_doctor, make_staff, queued):
    from rest_framework.test import APIClient

    run, _candidate = queued
    api = APIClient()
    users = {"doctor": doctor, "other_doctor": other_doctor, "librarian": make_staff(Role.LIBRARIAN, "lib")}
    if who in users:
        api.force_authenticate(users[who])
    response = api.get(f"/api/v1/linkage/runs/{run.pk}/")
    expected = {"doctor": 200, "other_doctor": 404, "librarian": 404, "anonymous": 401}[who]
    assert response.status_code == expected
    if who == "doctor":
        assert response.json()["review"] == 1
