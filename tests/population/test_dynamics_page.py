"""The population dynamics page: figures within the user's scope, charts served by the platform itself."""

import datetime as dt
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from shequ.population import actions
from shequ.population.choices import ResidenceType
from tests.conftest import login

CHART_JS = "population/vendor/chart.umd.min.js"


def born_aged(years: int) -> dt.date:
    """1 January, so that the person has had this year's birthday whatever today is."""
    return dt.date(timezone.localdate().year - years, 1, 1)


@pytest.fixture
def people(make_person, org, admin):
    """Three in 华山 (alice's), two in 愚园; one of the 华山 people moved within the compound this month."""
    first = make_person("李丽", birth=born_aged(30), sex="F", residence_type=ResidenceType.REGISTERED)
    make_person("张伟", birth=born_aged(72), sex="M", residence_type=ResidenceType.MIGRANT,
                dwelling=org.huashan_dwellings[1])
    make_person("王芳", birth=born_aged(85), sex="F", residence_type=ResidenceType.REGISTERED,
                dwelling=org.huashan_dwellings[2])
    make_person("刘洋", birth=born_aged(10), sex="M", residence_type=ResidenceType.MIGRANT,
                dwelling=org.yuyuan_dwellings[0])
    make_person("陈静", birth=born_aged(65), sex="F", residence_type=ResidenceType.REGISTERED_ELSEWHERE,
                dwelling=org.yuyuan_dwellings[1])
    actions.move_person(actor=admin, person=first, dwelling=org.huashan_dwellings[3],
                        moved_on=timezone.localdate(), new_household=True)


def chart_data(response) -> dict:
    match = re.search(r'<script id="dynamics-data" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    assert match, "the chart data is embedded with json_script"
    return json.loads(match.group(1))


def counts(block: dict) -> dict:
    return dict(zip(block["labels"], block["values"], strict=True))


def test_the_dynamics_page_shows_the_counts_of_everyone_to_the_administrator(client, admin, people):
    response = login(client, admin).get(reverse("population:dynamics"))
    assert response.status_code == 200
    d = response.context["d"]
    assert d.total == 5
    assert {row["code"]: row["n"] for row in d.by_residence_type} == {
        "registered": 2, "elsewhere": 1, "migrant": 2, "foreign": 0}
    assert {row["band"]: row["n"] for row in d.by_age_band} == {
        "0-17": 1, "18-34": 1, "35-59": 0, "60-69": 1, "70-79": 1, "80-89": 1, "90+": 0}
    data = chart_data(response)
    assert counts(data["neighborhoods"]) == {"华山居民区": 3, "愚园居民区": 2}
    assert counts(data["age_bands"])["80-89"] == 1
    assert sum(data["residence_types"]["values"]) == 5
    this_month = timezone.localdate().strftime("%Y-%m")
    assert data["moves"]["labels"][-1] == this_month
    assert data["moves"]["series"]["move_within"][-1] == 1
    assert set(data["moves"]["series"]) == {"move_in", "move_out", "move_within", "birth", "death"}


def test_the_dynamics_page_loads_chart_js_from_the_platform_and_never_from_a_cdn(client, admin, people):
    html = login(client, admin).get(reverse("population:dynamics")).content.decode()
    assert static(CHART_JS) in html
    assert static("population/dynamics.js") in html
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "everything the browser loads is served locally"
    assert "cdn" not in html.lower()
    # The tables stay on the page as the accessible fallback of the charts.
    assert html.count('<details class="fallback"') == 4


def test_the_vendored_chart_js_is_served_with_its_licence(client):
    assert finders.find(CHART_JS), "Chart.js is vendored under population/static"
    assert finders.find("population/vendor/LICENSE.md")
    response = client.get(static(CHART_JS))
    assert response.status_code == 200
    assert b"Chart.js v4" in b"".join(response.streaming_content)


def test_a_committee_worker_sees_only_her_neighborhood_in_the_dynamics(client, alice, people):
    response = login(client, alice).get(reverse("population:dynamics"))
    assert response.status_code == 200
    d = response.context["d"]
    assert d.total == 3
    assert {row["code"]: row["n"] for row in d.by_residence_type} == {
        "registered": 2, "elsewhere": 0, "migrant": 1, "foreign": 0}
    data = chart_data(response)
    assert counts(data["neighborhoods"]) == {"华山居民区": 3}
    assert counts(data["age_bands"]) == {"0-17": 0, "18-34": 1, "35-59": 0, "60-69": 0, "70-79": 1, "80-89": 1,
                                         "90+": 0}
    assert "愚园" not in response.content.decode()


def test_a_resident_cannot_see_the_dynamics(client, resident):
    response = login(client, resident).get(reverse("population:dynamics"))
    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, org):
    response = client.get(reverse("population:dynamics"))
    assert response.status_code == 302
    assert reverse("core:login") in response["Location"]
