"""The owners' votes pages: allowed, out of scope and anonymous; the live tally, an owner's ballot, the result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from shequ.core.models import User
from shequ.population.models import Person
from shequ.sites.actions import votes as actions
from shequ.sites.choices import Channel, Choice, MatterCategory, VoteStatus
from shequ.sites.models import Ballot, Elector, Ownership, Vote
from tests.conftest import Org, login
from tests.sites.conftest import ZHANG_ID, roll_rows, xlsx

VoteMaker = Callable[..., Vote]


def _live(make_vote: VoteMaker) -> Vote:
    """A vote open now (the pages use the real clock)."""
    vote = make_vote()
    Vote.objects.filter(pk=vote.pk).update(opens_at=vote.opens_at.replace(year=2000),
                                           closes_at=vote.closes_at.replace(year=2100))
    vote.refresh_from_db()
    return vote


def test_the_organiser_sees_the_live_tally_with_the_four_figures(
        client: Client, make_vote: VoteMaker, owners_committee: User) -> None:
    vote = make_vote()
    page = login(client, owners_committee).get(reverse("sites:vote", args=[vote.pk]))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="figure"') == 4


def test_a_secret_votes_page_shows_participation_but_not_the_choices_while_open(
        client: Client, make_vote: VoteMaker, owners_committee: User, resident: User) -> None:
    vote = _live(lambda: make_vote(secret=True))
    actions.cast_online(actor=resident, vote=vote, choice=Choice.NO)
    html = login(client, owners_committee).get(reverse("sites:vote", args=[vote.pk])).content.decode()
    assert html.count('data-testid="figure"') == 2 and 'data-testid="secret-note"' in html
    assert 'data-testid="totals"' not in html


def test_another_compounds_organiser_and_an_anonymous_visitor_cannot_open_the_vote(
        client: Client, make_vote: VoteMaker, yuyuan_owners_committee: User) -> None:
    vote = make_vote()
    url = reverse("sites:vote", args=[vote.pk])
    assert client.get(url).status_code == 302
    assert login(client, yuyuan_owners_committee).get(url).status_code == 404
    assert client.post(reverse("sites:vote_step", args=[vote.pk, "close"])).status_code == 404


def test_an_organiser_enters_a_paper_ballot_on_the_vote_page(
        client: Client, make_vote: VoteMaker, owners_committee: User) -> None:
    vote = _live(make_vote)
    zhang = Elector.objects.get(vote=vote, name="张建国")
    answer = login(client, owners_committee).post(reverse("sites:vote", args=[vote.pk]),
                                                  {"elector": zhang.pk, "choice": Choice.YES})
    assert answer.status_code == 302
    assert Ballot.objects.get(elector=zhang).channel == Channel.PAPER


def test_an_owner_votes_on_her_phone(client: Client, make_vote: VoteMaker, resident: User) -> None:
    vote = _live(make_vote)
    url = reverse("sites:ballot", args=[vote.pk])
    assert 'data-testid="ballot-form"' in login(client, resident).get(url).content.decode()
    assert client.post(url, {"choice": Choice.ABSTAIN}).status_code == 302
    assert Ballot.objects.get(vote=vote).choice == Choice.ABSTAIN
    assert 'data-testid="voted"' in client.get(url).content.decode()


def test_a_resident_who_is_not_an_owner_gets_no_ballot(
        client: Client, make_vote: VoteMaker, make_person: Callable[..., Person], admin: User, org: Org) -> None:
    from shequ.population import actions as population_actions

    vote = _live(make_vote)
    tenant = make_person("李租客", birth=dt.date(1990, 1, 1), phone="13900001111", dwelling=org.huashan_dwellings[1])
    account = population_actions.create_resident_account(actor=admin, person=tenant)
    url = reverse("sites:ballot", args=[vote.pk])
    assert 'data-testid="not-owner"' in login(client, account).get(url).content.decode()
    client.post(url, {"choice": Choice.YES})
    assert not Ballot.objects.filter(vote=vote).exists()


def test_the_published_result_page_shows_the_four_figures_and_nothing_before(
        client: Client, make_vote: VoteMaker, owners_committee: User, resident: User) -> None:
    vote = _live(lambda: make_vote(category=MatterCategory.REBUILD))
    actions.cast_online(actor=resident, vote=vote, choice=Choice.YES)
    url = reverse("sites:result", args=[vote.pk])
    assert login(client, resident).get(url).status_code == 404
    login(client, owners_committee)
    client.post(reverse("sites:vote_step", args=[vote.pk, "close"]))
    client.post(reverse("sites:vote_step", args=[vote.pk, "publish"]))
    assert Vote.objects.get(pk=vote.pk).status == VoteStatus.PUBLISHED
    html = login(client, resident).get(url).content.decode()
    assert html.count('data-testid="figure"') == 4


def test_an_organiser_creates_a_vote_through_the_form(client: Client, owners_committee: User, org: Org) -> None:
    answer = login(client, owners_committee).post(reverse("sites:vote_new"), {
        "compound": org.huashan_compound.pk, "title": "改变车库用途", "category": MatterCategory.CHANGE_COMMON_USE,
        "opens_at": "2026-03-01T09:00", "closes_at": "2026-03-15T18:00"})
    assert answer.status_code == 302
    assert Vote.objects.get().special


def test_a_bad_roll_file_shows_the_rows_to_correct_and_imports_nothing(
        client: Client, property_company: User, resident: User, org: Org) -> None:
    user = property_company
    rows = roll_rows(Person.objects.get(user=resident).id_number)
    rows[1][3] = "not-an-id!"
    upload = xlsx(rows)
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = login(client, user).post(reverse("sites:roll"), {
        "compound": org.huashan_compound.pk, "file": SimpleUploadedFile("roll.xlsx", upload)})
    assert answer.status_code == 200 and 'data-testid="import-errors"' in answer.content.decode()
    assert "<td>3</td>" in answer.content.decode()
    assert not Ownership.objects.exists()
    assert ZHANG_ID not in answer.content.decode()


def test_a_committee_worker_cannot_open_the_roll_import(client: Client, alice: User) -> None:
    assert login(client, alice).get(reverse("sites:roll")).status_code == 404


def test_the_workbench_count_of_votes_to_close_opens_the_same_votes(
        client: Client, make_vote: VoteMaker, owners_committee: User, yuyuan_owners_committee: User) -> None:
    from shequ.core.registry import counts_for

    past = make_vote()  # closed on 2026-03-16, long before the real clock's today
    entry = next(count for count in counts_for(owners_committee) if count.key == "sites.votes_to_close")
    assert entry.count(owners_committee) == 1
    html = login(client, owners_committee).get(entry.url(owners_committee)).content.decode()
    assert html.count('data-testid="vote"') == 1 and reverse("sites:vote", args=[past.pk]) in html
    assert entry.count(yuyuan_owners_committee) == 0
