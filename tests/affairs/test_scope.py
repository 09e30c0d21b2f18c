"""Who sees which request: the scope declared on the models, applied by core.scopes.restrict."""

from __future__ import annotations

from shequ.affairs import actions, queries
from shequ.affairs.choices import Channel
from shequ.core.scopes import restrict


def make(centre, *, dwelling, department=None, phone=""):
    return actions.create_request(actor=centre.clerk, channel=Channel.COUNTER, service=centre.repair,
                                  description="门禁坏了", dwelling=dwelling, department=department,
                                  caller_phone=phone)


def test_a_property_company_sees_only_what_is_dispatched_to_it(centre, org):
    ours = make(centre, dwelling=org.huashan_dwellings[0], department=centre.huashan_property)
    theirs = make(centre, dwelling=org.yuyuan_dwellings[0], department=centre.yuyuan_property)
    not_yet = make(centre, dwelling=org.huashan_dwellings[1])
    elsewhere = make(centre, dwelling=org.huashan_dwellings[2], department=centre.police)
    assert list(queries.requests(centre.fixer)) == [ours]
    assert list(queries.requests(centre.other_fixer)) == [theirs]
    assert set(queries.requests(centre.clerk)) == {ours, theirs, not_yet, elsewhere}


def test_a_committee_worker_sees_her_neighborhoods_requests(centre, org, alice, bob):
    huashan = make(centre, dwelling=org.huashan_dwellings[0], department=centre.yuyuan_property)
    yuyuan = make(centre, dwelling=org.yuyuan_dwellings[0])
    assert list(queries.requests(alice)) == [huashan]
    assert list(queries.requests(bob)) == [yuyuan]


def test_a_resident_sees_only_her_own_requests_and_their_history(centre, org, resident, resident_person,
                                                                 make_person):
    make_person("李梅", dwelling=org.huashan_dwellings[1], phone="13700002222")
    hers = make(centre, dwelling=org.huashan_dwellings[0], phone="13812345678")
    make(centre, dwelling=org.huashan_dwellings[1], phone="13700002222")
    assert list(queries.requests(resident)) == [hers]
    assert queries.steps(resident, hers).count() == 1
    assert list(queries.requests(resident, "change")) == [hers]


def test_an_anonymous_visitor_sees_nothing(centre, org):
    from django.contrib.auth.models import AnonymousUser

    make(centre, dwelling=org.huashan_dwellings[0])
    assert not queries.requests(AnonymousUser()).exists()
    assert not restrict(queries.emergency_linkages(centre.clerk), AnonymousUser()).exists()
