"""The population dynamics page: figures within the user's scope, charts served by the platform itself."""

import datetime as dt
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from shequ.core import actions as core_actions
from shequ.core.dates import add_years
from shequ.core.roles import Role
from shequ.core.tasks import PERIODIC_JOBS
from shequ.population import actions, queries, views
from shequ.population.choices import ResidenceType
from shequ.population.models import Person, PopulationCount
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


# The counts behind the page: made by the worker, read by the page ------------------------------------------


def total_on_page(client) -> int:
    return client.get(reverse("population:dynamics")).context["d"].total


def test_the_page_shows_when_the_people_were_counted(client, admin, people):
    html = login(client, admin).get(reverse("population:dynamics")).content.decode()
    counted_at = timezone.localtime(PopulationCount.objects.first().counted_at)
    assert 'data-testid="counted-at">' in html
    assert counted_at.strftime("%Y-%m-%d %H:%M") in html


def test_a_new_resident_is_counted_by_the_worker_within_a_minute(client, admin, people, make_person):
    login(client, admin)
    assert total_on_page(client) == 5
    make_person("赵敏", birth=born_aged(40))
    # Until the worker's next round the page shows the last count, and says when it was made.
    assert total_on_page(client) == 5
    job = next(job for job in PERIODIC_JOBS if job.function == "shequ.population.tasks.recount_population")
    assert job.every_seconds <= 60
    assert job.load()() == 6
    assert total_on_page(client) == 6


def test_the_page_counts_again_itself_when_the_worker_has_not_for_minutes(client, admin, people, make_person):
    actions.count_population(now=timezone.now() - views.COUNTS_OVERDUE_AFTER - dt.timedelta(seconds=1))
    make_person("赵敏", birth=born_aged(40))
    assert total_on_page(login(client, admin)) == 6


def test_the_counts_are_stale_only_after_a_registry_change_or_at_a_new_day(admin, people, make_person, monkeypatch):
    monkeypatch.setattr(actions, "COUNT_SETTLING", dt.timedelta(0))
    counted_at = timezone.now()
    actions.count_population(now=counted_at)
    assert not actions.population_counts_stale()
    assert actions.count_population_if_stale() is None
    # A reveal or a tag is audited but moves nobody: still not stale.
    person = Person.objects.get(name="王芳")
    actions.reveal_person_field(actor=admin, person=person, field="id_number", reason="核对")
    assert not actions.population_counts_stale()
    assert actions.population_counts_stale(now=counted_at + dt.timedelta(days=1)), "ages change with the date"
    actions.move_out(actor=admin, person=person, moved_on=timezone.localdate())
    assert actions.population_counts_stale()
    assert actions.count_population_if_stale() == 4


def test_a_write_that_committed_just_after_a_count_began_is_not_missed(admin, people):
    # The people fixture's writes were audited moments ago; a count stamped a minute later may have begun
    # before they committed, so it does not settle the question.
    actions.count_population(now=timezone.now() + dt.timedelta(minutes=1))
    assert actions.population_counts_stale(now=timezone.now() + dt.timedelta(minutes=1, seconds=5))


def test_the_count_splits_people_into_age_bands_on_their_birthdays(admin, org, make_person):
    today = timezone.localdate()
    make_person("钱一", birth=add_years(today, -60))  # sixty today
    make_person("钱二", birth=add_years(today, -60) + dt.timedelta(days=1))  # sixty tomorrow
    actions.count_population()
    d = queries.population_dynamics(admin)
    assert {row["band"]: row["n"] for row in d.by_age_band}["60-69"] == 1
    assert {row["band"]: row["n"] for row in d.by_age_band}["35-59"] == 1
    assert set(PopulationCount.objects.values_list("age_from", flat=True)) == {35, 60}


def test_counts_are_scoped_like_the_registry(admin, alice, people):
    actions.count_population()
    assert queries.population_counts(alice).count() < queries.population_counts(admin).count()
    assert set(queries.population_counts(alice).values_list("neighborhood_id", flat=True)) == {alice.neighborhood_id}
    assert sum(queries.population_counts(alice).values_list("people", flat=True)) == 3


def test_a_role_that_may_not_export_the_registry_counts_nobody(org, people):
    health = core_actions.create_user(actor=None, username="nurse", role=Role.HEALTH, full_name="Nurse",
                                      password="x-long-password-1", subdistrict=org.subdistrict)
    actions.count_population()
    assert not queries.population_counts(health).exists()
