"""FHIR searches page with next and previous links: following them returns each resource once, in a stable
order, even when rows are written between two pages; _count is capped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shequ.health import actions, fhir, fhir_search
from shequ.health.choices import ConditionCode
from tests.health.fhir_client import api, valid

START = timezone.make_aware(dt.datetime(2026, 1, 1, 8, 0))


def _link(bundle, relation):
    return next((link.url for link in bundle.link or [] if link.relation == relation), None)


def _follow(client, url, relation="next"):
    """Every page from ``url`` on, following ``relation`` links; each page must be a valid searchset Bundle."""
    pages = []
    while url:
        page = valid(client.get(url), kind="Bundle")
        assert page.type == "searchset" and _link(page, "self")
        pages.append(page)
        url = _link(page, relation)
        assert len(pages) < 100, "the links go round in circles"
    return pages


def _ids(pages):
    return [f"{entry.resource.get_resource_type()}/{entry.resource.id}" for page in pages for entry in page.entry]


@pytest.fixture
def diary(centre, resident_person):
    """Seven diary entries: blood pressure and glucose each, weight on every other one (18 Observations), two
    of them at the same moment (the id breaks the tie)."""
    for day in range(7):
        actions.record_diary_entry(actor=centre, person=resident_person,
                                   measured_at=START + dt.timedelta(days=min(day, 5)),
                                   systolic=130 + day, diastolic=80, glucose=Decimal("6.0"),
                                   weight=Decimal("60.0") if day % 2 == 0 else None)
    return resident_person


def test_following_next_links_returns_every_observation_once(centre, diary):
    everything = _ids([valid(api(centre).get("/fhir/R4/Observation", {"_count": 100}))])
    assert len(everything) == 7 * 2 + 4
    pages = _follow(api(centre), "/fhir/R4/Observation?_count=4")
    assert [len(page.entry) for page in pages] == [4, 4, 4, 4, 2]
    assert _ids(pages) == everything, "the same resources, each once, in the same order as one big page"
    assert _link(pages[0], "previous") is None and _link(pages[-1], "next") is None


def test_previous_links_walk_back_over_the_same_pages(centre, diary):
    forward = _follow(api(centre), "/fhir/R4/Observation?_count=5")
    backward = _follow(api(centre), _link(forward[-1], "previous"), relation="previous")
    assert [_ids([page]) for page in backward] == [_ids([page]) for page in forward[-2::-1]]


def test_a_reading_written_between_two_pages_moves_nothing_across_them(centre, diary, resident_person):
    first = valid(api(centre).get("/fhir/R4/Observation", {"_count": 4}))
    actions.record_diary_entry(actor=centre, person=resident_person, weight=Decimal("59.0"))  # the newest
    rest = _follow(api(centre), _link(first, "next"))
    seen = _ids([first, *rest])
    assert len(seen) == len(set(seen)) == 18, "nothing twice, nothing skipped"


def test_a_code_search_pages_over_the_readings_of_that_kind(centre, diary, monkeypatch):
    # A page stops reading entries at the scan limit, and goes on from there on the next page.
    monkeypatch.setattr(fhir_search, "SCAN_LIMIT", 2)
    monkeypatch.setattr(fhir_search, "SCAN_BATCH", 1)
    pages = _follow(api(centre), f"/fhir/R4/Observation?code={fhir.LOINC}|{fhir.WEIGHT}&_count=3")
    weights = _ids(pages)
    assert len(weights) == len(set(weights)) == 4 and all(ref.startswith("Observation/weight-") for ref in weights)


def test_following_next_links_returns_every_encounter_and_condition_once(centre, resident_person):
    for day in range(5):
        actions.record_encounter(actor=centre, person=resident_person, occurred_on=dt.date(2026, 3, 1 + day // 2),
                                 facility="华山医院")
    for code in (ConditionCode.HYPERTENSION, ConditionCode.TYPE2_DIABETES, ConditionCode.COPD):
        actions.register_condition(actor=centre, person=resident_person, code=code)
    for kind, total in (("Encounter", 5), ("Condition", 3)):
        pages = _follow(api(centre), f"/fhir/R4/{kind}?_count=2")
        seen = _ids(pages)
        assert len(seen) == len(set(seen)) == total, kind
        assert {page.total for page in pages} == {total}, kind
        back = _follow(api(centre), _link(pages[-1], "previous"), relation="previous")
        assert _ids(back[::-1]) + _ids(pages[-1:]) == seen, kind


def test_patients_page_too(centre, make_person, org):
    for index in range(5):
        actions.open_health_record(actor=centre, person=make_person(f"李{index}", birth=dt.date(1950, 1, 1 + index)))
    pages = _follow(api(centre), "/fhir/R4/Patient?_count=2&birthdate=ge1950-01-01")
    assert len(_ids(pages)) == len(set(_ids(pages))) == 5
    assert "birthdate=ge1950-01-01" in _link(pages[0], "next"), "a next link keeps the search"


def test_count_is_capped(centre, diary, monkeypatch):
    monkeypatch.setattr(fhir_search, "MAX_COUNT", 3)
    page = valid(api(centre).get("/fhir/R4/Observation", {"_count": 1000}))
    assert len(page.entry) == 3 and _link(page, "next")


def test_count_zero_gives_the_total_alone(centre, resident_person):
    actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.HYPERTENSION)
    page = valid(api(centre).get("/fhir/R4/Condition", {"_count": 0}))
    assert page.total == 1 and not page.entry and _link(page, "next") is None


def test_a_cursor_of_another_resource_type_is_refused(centre, diary):
    url = _link(valid(api(centre).get("/fhir/R4/Observation", {"_count": 2})), "next")
    cursor = url.split("_cursor=")[1].split("&")[0]
    problem = valid(api(centre).get("/fhir/R4/Encounter", {"_cursor": cursor}), 400, kind="OperationOutcome")
    assert problem.issue[0].expression == ["_cursor"]


def test_a_cursor_does_not_widen_the_scope(other_doctor, centre, diary):
    url = _link(valid(api(centre).get("/fhir/R4/Observation", {"_count": 2})), "next")
    assert not valid(api(other_doctor).get(url)).entry
