"""The demo's public notices on the sub-district's home page: one pinned, two recent, all posted by the
administrator through the portal's action."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shequ.core.models import User
from shequ.portal import actions as portal_actions

NOTICES = [
    ("冬季燃气安全提示", "天气转冷，请居民检查家中燃气灶具和软管，外出前关好阀门。独居老人可拨打热线预约上门检查。",
     3, True),
    ("社区图书馆周末开放时间调整", "自本周起，社区图书馆周六、周日开放时间为上午9点至下午5点，欢迎借阅。", 2, False),
    ("老年助餐点新增菜品", "各助餐点本月新增菜肉馄饨等软糯菜品，持一卡通即可享受助餐补贴。", 1, False),
]


def build(*, admin: User, today: dt.date) -> int:
    """Returns the number of notices published."""
    for title, body, days_ago, pinned in NOTICES:
        start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(9, 0)))
        portal_actions.publish_notice(actor=admin, title=title, body=body, publish_at=start,
                                      expires_at=start + dt.timedelta(days=60), pinned=pinned)
    return len(NOTICES)
