"""Routing help: the service (and so the department) suggested from the request's Chinese text."""

from __future__ import annotations

from shequ.affairs import actions, routing
from shequ.affairs.choices import Channel
from shequ.affairs.samples import SERVICES, generate


def test_features_are_characters_and_pairs_without_punctuation_or_digits():
    assert routing.features("水管，漏 3号") == ["水", "管", "漏", "号", "水管", "管漏", "漏号"]


def test_a_new_catalogue_already_suggests_from_service_names_and_keywords(centre, org):
    (first, *_rest) = routing.suggest(org.subdistrict.pk, "家里厨房漏水了")
    assert first.service == centre.repair and first.department == centre.huashan_property
    assert 0 < first.probability <= 1


def test_suggestions_learn_from_the_services_clerks_chose(centre, org):
    # Clerks filed "办证" texts under the permit service; the model learns the new wording.
    for text in ("我要办证需要带什么", "办证要多久", "来这里办证去哪个窗口"):
        actions.create_request(actor=centre.clerk, channel=Channel.COUNTER, service=centre.permit, description=text)
    routing._models.clear()
    ranked = routing.suggest(org.subdistrict.pk, "请问办证")
    assert ranked[0].service == centre.permit
    assert len(ranked) == 3 and ranked[0].probability >= ranked[1].probability >= ranked[2].probability


def test_inactive_services_are_never_suggested_and_empty_text_gets_nothing(centre, org, admin):
    actions.save_service(actor=admin, service=centre.repair, active=False)
    routing._models.clear()
    assert all(s.service != centre.repair for s in routing.suggest(org.subdistrict.pk, "漏水"))
    assert routing.suggest(org.subdistrict.pk, "，。 123") == []
    assert routing.suggest(None, "漏水") == []


def test_the_classifier_beats_the_most_frequent_service_on_held_out_samples():
    model = routing.NaiveBayes()
    train = generate(600, seed=1, training=True)
    test = generate(200, seed=2, training=False)
    model.fit([s.text for s in train], [s.code for s in train])
    top1 = routing.top_k_accuracy(model, [s.text for s in test], [s.code for s in test], 1)
    most_common = max({s.code for s in train}, key=[s.code for s in train].count)
    baseline = sum(1 for s in test if s.code == most_common) / len(test)
    assert top1 > 2 * baseline
    assert {s.code for s in test} <= {s.code for s in SERVICES}
