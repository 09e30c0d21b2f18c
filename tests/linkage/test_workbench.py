"""The review backlog count equals the rows of the review queue, and another sub-district's pairs are not counted."""

from __future__ import annotations

from shequ.core import actions as core_actions
from shequ.core.models import Subdistrict
from shequ.core.registry import registry
from shequ.core.roles import Role
from shequ.linkage import actions
from tests.conftest import login
from tests.linkage.conftest import csv_of


def test_the_backlog_count_is_the_rows_of_the_review_queue(client, doctor, wang, org):
    count = registry.counts["linkage.review"]
    assert count.count(doctor) == 0, "no run yet"
    actions.import_batch(actor=doctor, kind="health", filename="h.csv", data=csv_of([
        {"name": "王秀瑛", "sex": "F", "birth_date": "1950-08-03", "phone": "13000000000"}]))
    actions.run_linkage(actor=doctor)
    response = login(client, doctor).get(count.url(doctor))
    assert count.count(doctor) == response.context["page"].paginator.count == 1
    other = Subdistrict.objects.create(code="310105003", name="华阳路街道", district="长宁区", city="上海市")
    outsider = core_actions.create_user(actor=None, username="other-doctor", role=Role.HEALTH, full_name="Other",
                                        subdistrict=other)
    assert count.count(outsider) == 0
