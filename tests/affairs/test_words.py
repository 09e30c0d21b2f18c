"""Words that mean one thing on one page: a request's status is not a column of counts (zh-Hans)."""

from __future__ import annotations

from shequ.affairs import actions
from shequ.affairs.choices import Channel
from tests.conftest import login


def test_a_resident_sees_her_request_as_resolved_not_as_a_count_of_resolved_requests(client, centre, org,
                                                                                      resident):
    request = actions.create_request(actor=centre.clerk, channel=Channel.HOTLINE, service=centre.repair,
                                     description="厨房水管漏水", dwelling=org.huashan_dwellings[0],
                                     caller_phone="13812345678", department=centre.huashan_property)
    actions.resolve(actor=centre.fixer, request=request, note="已修好")
    login(client, resident)
    for page in (client.get("/affairs/mine/"), client.get(f"/affairs/requests/{request.pk}/")):
        html = page.content.decode()
        assert page.status_code == 200 and '<html lang="zh-hans"' in html
        assert "已办结" in html, "the status of a resolved request"
        assert "办结量" not in html, "a column header of the assessment (a count) in place of the status"
    assert "办理期限" in client.get(f"/affairs/requests/{request.pk}/").content.decode()


def test_the_assessment_columns_still_count_resolved_requests(client, centre, org, admin):
    client.force_login(admin)
    html = client.get("/affairs/assessment/").content.decode()
    assert "受理量" in html and "办结量" in html and "逾期量" in html
