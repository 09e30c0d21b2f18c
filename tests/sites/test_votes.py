"""Owners' votes: the frozen electorate, one ballot per owner whatever the channel, secrecy, the tally and scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from shequ.core.errors import Conflict, NotFound
from shequ.core.models import AuditEntry, User
from shequ.population import actions as population_actions
from shequ.population.models import Person
from shequ.sites import queries
from shequ.sites.actions import votes as actions
from shequ.sites.choices import Channel, Choice, MatterCategory, VoteStatus
from shequ.sites.models import DEVELOPER_KEY, Ballot, ChoiceTotal, Elector, Vote
from tests.conftest import Org
from tests.sites.conftest import ZHANG_ID

VoteMaker = Callable[..., Vote]


def elector(vote: Vote, *, name: str = "", developer: bool = False) -> Elector:
    if developer:
        return Elector.objects.get(vote=vote, owner_key=DEVELOPER_KEY)
    return Elector.objects.get(vote=vote, name=name)


def test_opening_freezes_the_electorate_by_head_with_all_of_each_owners_area(make_vote: VoteMaker) -> None:
    vote = make_vote()
    assert vote.status == VoteStatus.OPEN
    assert Elector.objects.filter(vote=vote).count() == 3
    zhang = elector(vote, name="张建国")
    assert (zhang.units, zhang.area) == (3, Decimal("280.50"))
    developer = elector(vote, developer=True)
    assert (developer.units, developer.area) == (4, Decimal("280.00"))
    assert AuditEntry.objects.filter(event=actions.VOTE_OPENED, object_id=str(vote.pk)).exists()


def test_an_owner_votes_online_and_the_tally_counts_her_head_and_area(
        make_vote: VoteMaker, resident: User, during: dt.datetime) -> None:
    vote = make_vote()
    ballot = actions.cast_online(actor=resident, vote=vote, choice=Choice.YES, now=during)
    assert (ballot.channel, ballot.choice) == (Channel.ONLINE, Choice.YES)
    verdict = queries.verdict_of(vote)
    assert (verdict.participating.heads, verdict.participating.area) == (1, 80_00)
    assert (verdict.yes.heads, verdict.yes.area) == (1, 80_00)
    entry = AuditEntry.objects.get(event=actions.BALLOT_CAST)
    assert entry.after == {"vote": vote.pk, "channel": Channel.ONLINE, "choice": Choice.YES}


def test_a_paper_ballot_after_an_online_vote_is_refused(
        make_vote: VoteMaker, resident: User, owners_committee: User, during: dt.datetime) -> None:
    vote = make_vote()
    actions.cast_online(actor=resident, vote=vote, choice=Choice.YES, now=during)
    with pytest.raises(Conflict):
        actions.enter_paper_ballot(actor=owners_committee, vote=vote, elector=elector(vote, name="王秀英"),
                                   choice=Choice.NO, now=during)
    assert queries.verdict_of(vote).participating.heads == 1


def test_an_online_vote_after_a_paper_ballot_is_refused(
        make_vote: VoteMaker, resident: User, owners_committee: User, during: dt.datetime) -> None:
    vote = make_vote()
    ballot = actions.enter_paper_ballot(actor=owners_committee, vote=vote, elector=elector(vote, name="王秀英"),
                                        choice=Choice.NO, now=during)
    assert ballot.entered_by == owners_committee
    with pytest.raises(Conflict):
        actions.cast_online(actor=resident, vote=vote, choice=Choice.YES, now=during)
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_the_database_refuses_a_second_ballot_for_one_owner(
        make_vote: VoteMaker, owners_committee: User, during: dt.datetime) -> None:
    from django.db import IntegrityError, transaction

    vote = make_vote()
    owner = elector(vote, name="张建国")
    Ballot.objects.create(vote=vote, elector=owner, channel=Channel.ONLINE, at=during)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(vote=vote, elector=owner, channel=Channel.PAPER, entered_by=owners_committee,
                              at=during)


def test_a_resident_who_owns_nothing_here_cannot_vote(
        make_vote: VoteMaker, make_person: Callable[..., Person], admin: User, org: Org,
        during: dt.datetime) -> None:
    vote = make_vote()
    tenant = make_person("李租客", birth=dt.date(1990, 1, 1), phone="13900001111", dwelling=org.huashan_dwellings[1])
    account = population_actions.create_resident_account(actor=admin, person=tenant)
    with pytest.raises(Conflict):
        actions.cast_online(actor=account, vote=vote, choice=Choice.YES, now=during)
    assert not Ballot.objects.filter(vote=vote).exists()


def test_a_vote_before_it_opens_or_after_it_closes_is_refused(make_vote: VoteMaker, resident: User) -> None:
    vote = make_vote()
    for moment in (vote.opens_at - dt.timedelta(minutes=1), vote.closes_at):
        with pytest.raises(Conflict):
            actions.cast_online(actor=resident, vote=vote, choice=Choice.YES, now=moment)


def test_a_secret_vote_keeps_no_choice_beside_an_owner(
        make_vote: VoteMaker, resident: User, owners_committee: User, during: dt.datetime) -> None:
    vote = make_vote(secret=True)
    actions.cast_online(actor=resident, vote=vote, choice=Choice.NO, now=during)
    actions.enter_paper_ballot(actor=owners_committee, vote=vote, elector=elector(vote, name="张建国"),
                               choice=Choice.YES, now=during)
    assert set(Ballot.objects.filter(vote=vote).values_list("choice", flat=True)) == {""}
    assert all("choice" not in (entry.after or {}) for entry in AuditEntry.objects.filter(event=actions.BALLOT_CAST))
    # Totals exist only as counters, and are not shown while the vote is open.
    assert ChoiceTotal.objects.get(vote=vote, choice=Choice.NO).heads == 1
    assert not vote.choices_visible
    vote = actions.close_vote(actor=owners_committee, vote=vote, now=during)
    assert vote.choices_visible


def _vote_everyone(vote: Vote, resident: User, committee: User, during: dt.datetime) -> None:
    actions.cast_online(actor=resident, vote=vote, choice=Choice.YES, now=during)
    actions.enter_paper_ballot(actor=committee, vote=vote, elector=elector(vote, name="张建国"), choice=Choice.YES,
                               now=during)
    actions.enter_paper_ballot(actor=committee, vote=vote, elector=elector(vote, developer=True), choice=Choice.NO,
                               now=during)


def test_the_published_result_shows_the_four_figures_against_their_thresholds(
        make_vote: VoteMaker, resident: User, owners_committee: User, during: dt.datetime) -> None:
    vote = make_vote()
    _vote_everyone(vote, resident, owners_committee, during)
    actions.close_vote(actor=owners_committee, vote=vote, now=during)
    vote = actions.publish_vote(actor=owners_committee, vote=vote, now=during)
    result = vote.result
    assert (result["valid"], result["passed"]) == (True, True)
    assert result["electorate"] == [3, 640_50] and result["yes"] == [2, 360_50] and result["no"] == [1, 280_00]
    assert [(c["key"], c["part"], c["whole"], c["threshold"], c["met"]) for c in result["checks"]] == [
        ("quorum_area", 640_50, 640_50, "2/3", True), ("quorum_heads", 3, 3, "2/3", True),
        ("majority_area", 360_50, 640_50, "1/2", True), ("majority_heads", 2, 3, "1/2", True)]


def test_the_same_ballots_fail_a_matter_that_needs_three_quarters(
        make_vote: VoteMaker, resident: User, owners_committee: User, during: dt.datetime) -> None:
    vote = make_vote(category=MatterCategory.RAISE_REPAIR_FUNDS)
    _vote_everyone(vote, resident, owners_committee, during)
    verdict = queries.verdict_of(vote)
    assert verdict.valid and not verdict.passed  # 2 of 3 heads and 56% of the area are under 3/4


def test_another_compounds_organiser_can_neither_open_nor_enter_ballots(
        make_vote: VoteMaker, yuyuan_owners_committee: User, bob: User, during: dt.datetime) -> None:
    draft = make_vote(opened=False)
    for outsider in (yuyuan_owners_committee, bob):
        with pytest.raises(NotFound):
            actions.open_vote(actor=outsider, vote=draft, now=during)
    vote = make_vote()
    with pytest.raises(NotFound):
        actions.enter_paper_ballot(actor=yuyuan_owners_committee, vote=vote,
                                   elector=elector(vote, name="张建国"), choice=Choice.YES, now=during)


def test_the_residents_committee_of_the_neighbourhood_runs_a_vote(
        make_vote: VoteMaker, alice: User, during: dt.datetime) -> None:
    vote = make_vote(actor=alice)
    assert vote.organiser == "residents_committee" and vote.status == VoteStatus.OPEN


def test_an_owner_living_elsewhere_is_on_the_roll_without_a_registry_person(make_vote: VoteMaker) -> None:
    vote = make_vote()
    zhang = elector(vote, name="张建国")
    assert zhang.person is None and zhang.owner_key != ZHANG_ID  # keyed by the blind index, never the number


def test_two_of_three_owners_are_enough_heads_but_not_enough_area_on_the_real_roll(
        make_vote: VoteMaker, resident: User, owners_committee: User, during: dt.datetime) -> None:
    # 王秀英 (80 m²) and the developer (280 m²): 2/3 of the heads exactly, 360/640.50 of the area (< 2/3).
    vote = make_vote()
    actions.cast_online(actor=resident, vote=vote, choice=Choice.YES, now=during)
    actions.enter_paper_ballot(actor=owners_committee, vote=vote, elector=elector(vote, developer=True),
                               choice=Choice.YES, now=during)
    verdict = queries.verdict_of(vote)
    assert verdict.checks[1].met and not verdict.checks[0].met and not verdict.valid


def test_the_owner_of_three_units_and_the_developer_make_a_valid_vote_on_their_own(
        make_vote: VoteMaker, owners_committee: User, during: dt.datetime) -> None:
    vote = make_vote()
    actions.enter_paper_ballot(actor=owners_committee, vote=vote, elector=elector(vote, name="张建国"),
                               choice=Choice.YES, now=during)
    actions.enter_paper_ballot(actor=owners_committee, vote=vote, elector=elector(vote, developer=True),
                               choice=Choice.ABSTAIN, now=during)
    verdict = queries.verdict_of(vote)
    # 2 of 3 heads, 560.50 of 640.50 m²: valid; 1 of 2 participating heads in favour is exactly half: not passed.
    assert verdict.valid and not verdict.passed
    assert (verdict.participating.heads, verdict.participating.area, verdict.yes.heads) == (2, 560_50, 1)
