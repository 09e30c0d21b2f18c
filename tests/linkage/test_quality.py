"""The linkage model on generated data with known truth (a small fixed set; quality, not speed)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from shequ.core import idnumbers
from shequ.linkage import engine
from shequ.linkage.synthetic import generate, score


@pytest.fixture(scope="module")
def population():
    return generate(3000, seed=5)


def _tables(population):
    registry = pa.Table.from_pylist([{k: v for k, v in p.items() if k != "household_phone"}
                                     for p in population.people])
    sources = pa.Table.from_pylist(population.records).drop_columns(["true_person_id"])
    return registry, sources


def _outcome(result):
    rows = result.table.to_pylist()
    linked = {r["record_id"]: r["person_id"] for r in rows if r["status"] == "linked"}
    review = {r["record_id"] for r in rows if r["status"] == "review"}
    return linked, review


def test_the_model_links_noisy_records_with_f1_above_0995_and_under_one_percent_to_review(population):
    registry, sources = _tables(population)
    linked, review = _outcome(engine.link(registry, sources))
    truth = {r["record_id"]: r["true_person_id"] for r in population.records}
    quality = score(linked, review, truth)
    assert quality.f1 >= 0.995, quality
    assert quality.review_share < 0.01, quality


def test_the_model_beats_an_exact_id_join_on_the_same_records(population):
    truth = {r["record_id"]: r["true_person_id"] for r in population.records}
    by_id = {p["id_number"]: p["person_id"] for p in population.people}
    exact = {r["record_id"]: by_id[r["id_number"]] for r in population.records if r["id_number"] in by_id}
    registry, sources = _tables(population)
    linked, review = _outcome(engine.link(registry, sources))
    assert score(linked, review, truth).recall > score(exact, set(), truth).recall + 0.1


def _one(person: dict, record: dict) -> tuple[str, str | None]:
    base = {"name": "", "sex": "", "birth_date": None, "id_number": "", "phone": "", "address": ""}
    registry = pa.Table.from_pylist([{**base, "person_id": 1, **person},
                                     {**base, "person_id": 2, "name": "赵国强", "sex": "M",
                                      "birth_date": dt.date(1961, 1, 1),
                                      "id_number": idnumbers.make("310105", dt.date(1961, 1, 1), 31, "M")}])
    sources = pa.Table.from_pylist([{**base, "record_id": 10, **record}])
    row = engine.link(registry, sources).table.to_pylist()[0]
    return row["status"], row["person_id"]


BIRTH = dt.date(1952, 4, 9)
ID = idnumbers.make("310105", BIRTH, 128, "F")
PERSON = {"name": "王秀英", "sex": "F", "birth_date": BIRTH, "id_number": ID, "phone": "13812345678",
          "address": "华山路1088弄2号201室"}


def test_a_mistyped_digit_in_the_id_number_is_repaired_by_its_check_character():
    typo = ID[:8] + ("0" if ID[8] != "0" else "1") + ID[9:]
    assert not idnumbers.is_valid(typo)
    assert _one(PERSON, {**PERSON, "id_number": typo, "phone": ""}) == ("linked", 1)


def test_a_homophone_name_with_the_same_id_and_birth_date_is_the_same_person():
    assert _one(PERSON, {**PERSON, "name": "王秀瑛", "phone": ""}) == ("linked", 1)


def test_a_record_without_an_id_number_is_linked_on_name_birth_date_phone_and_address():
    record = {**PERSON, "id_number": "", "birth_date": dt.date(1952, 9, 4), "address": "长宁区华山路１０８８弄2号楼201"}
    assert _one(PERSON, record) == ("linked", 1)


def test_a_namesake_born_another_year_with_another_id_is_not_linked():
    other = {"name": "王秀英", "sex": "F", "birth_date": dt.date(1980, 1, 2),
             "id_number": idnumbers.make("320102", dt.date(1980, 1, 2), 44, "F"), "phone": "13900001111"}
    status, _person = _one(PERSON, other)
    assert status == "unmatched"


def test_a_decision_that_a_pair_is_not_the_same_person_is_followed_over_the_model():
    base = {"name": "", "sex": "", "birth_date": None, "id_number": "", "phone": "", "address": ""}
    registry = pa.Table.from_pylist([{**base, "person_id": 1, **PERSON}])
    sources = pa.Table.from_pylist([{**base, "record_id": 10, **PERSON}])
    row = engine.link(registry, sources, decisions={(10, 1): False}).table.to_pylist()[0]
    assert row["status"] == "unmatched" and row["person_id"] is None


def test_a_record_whose_id_match_was_decided_against_still_gets_one_result_from_the_model():
    base = {"name": "", "sex": "", "birth_date": None, "id_number": "", "phone": "", "address": ""}
    registry = pa.Table.from_pylist([{**base, "person_id": 1, **PERSON}])
    sources = pa.Table.from_pylist([{**base, "record_id": 10, **PERSON}, {**base, "record_id": 11, **PERSON}])
    rows = engine.link(registry, sources, decisions={(10, 1): False, (11, 1): True, (11, 2): True}).table.to_pylist()
    assert [(r["record_id"], r["status"], r["person_id"]) for r in rows] == [(10, "unmatched", None),
                                                                             (11, "linked", 1)]
