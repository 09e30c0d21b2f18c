"""The demo's community services, each through its own actions: the one-window service centre, the library,
the charity shop and the volunteers."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shequ.demo._base import Login, _BuilderBase
from shequ.population.models import Person

DEMO_BOOKS = [
    ("红楼梦", "曹雪芹", "人民文学出版社", 1996), ("西游记", "吴承恩", "人民文学出版社", 1980),
    ("三国演义", "罗贯中", "人民文学出版社", 1973), ("水浒传", "施耐庵", "人民文学出版社", 1975),
    ("围城", "钱锺书", "人民文学出版社", 1991), ("骆驼祥子", "老舍", "人民文学出版社", 2000),
    ("平凡的世界", "路遥", "北京十月文艺出版社", 2012), ("活着", "余华", "作家出版社", 2012),
]


class _ServicesMixin(_BuilderBase):
    def build_service_centre(self) -> None:
        """The one-window service centre (affairs): departments, catalogue, staff and two months of requests."""
        from shequ.affairs.demo import build_service_centre

        assert self.result is not None
        for username, role, scope in build_service_centre(
            admin=self.admin, users=self.users, neighborhoods=self.neighborhoods, compounds=self.compounds,
            seed=self.rng.randrange(2**31), today=self.today, password_hash=self.password_hash,
            requests=max(30, min(self.n // 20, 400)),  # each goes through the real actions: keep small demos quick
        ):
            self.result.logins.append(Login(username=username, password=self.password, role=role, scope=scope))
        self.progress("受理中心: 部门, 服务事项, 诉求")

    # Library, charity shop, volunteers: a little of each, through their own actions -----------------

    def build_community_services(self) -> None:
        from shequ.charity import actions as charity
        from shequ.library import actions as library
        from shequ.volunteers import actions as volunteering

        readers = list(Person.objects.filter(user__isnull=False).order_by("id"))
        librarian = self.users["librarian"]
        titles = []
        for number, (title, authors, publisher, year) in enumerate(DEMO_BOOKS, start=1):
            base = f"97870200{number:04d}"
            check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(base)) % 10) % 10
            made = library.add_title(actor=librarian, isbn=f"{base}{check}", title=title, authors=authors,
                                     publisher=publisher, year=year)
            for copy in (1, 2):
                library.add_copy(actor=librarian, title=made, barcode=f"L{number:03d}{copy}", shelf="I24")
            titles.append(made)
        for index, reader in enumerate(readers):
            # The first reader's book is overdue, so the reminder job and the desk have something to show.
            lent_on = self.today - dt.timedelta(days=40 if index == 0 else 5 * index)
            library.lend(actor=librarian, barcode=f"L{index + 1:03d}1", reader=reader, today=lent_on)

        clerk = self.users["charity"]
        goods = [charity.add_item(actor=clerk, name=name, unit=unit, price_fen=price) for name, unit, price in
                 (("大米5公斤", "袋", 3000), ("食用油1.8升", "桶", 2500), ("冬衣", "件", 2000))]
        charity.receive_donation(actor=clerk, donor_name="爱心企业", lines=[(item, 20) for item in goods])
        charity.grant_monthly_allowance(actor=clerk, month=self.today, points_per_household=5000,
                                        tags=["subsistence"])
        if readers:
            charity.sell(actor=clerk, buyer=readers[0], lines=[(goods[0], 1)], points=0)

        coordinator = self.users["volunteers"]
        helpers = [volunteering.register_volunteer(actor=coordinator, person=person, skills="陪聊")
                   for person in readers]
        now = timezone.now().replace(second=0, microsecond=0)
        served = volunteering.create_activity(actor=coordinator, title="助老送餐", place="社区食堂")
        today_shift = volunteering.add_shift(actor=coordinator, activity=served, starts_at=now - dt.timedelta(hours=3),
                                             ends_at=now + dt.timedelta(hours=1), capacity=5)
        coming = volunteering.create_activity(actor=coordinator, title="垃圾分类宣传", place="华山路1088弄")
        tomorrow = now + dt.timedelta(days=1)
        coming_shift = volunteering.add_shift(actor=coordinator, activity=coming, starts_at=tomorrow,
                                              ends_at=tomorrow + dt.timedelta(hours=2), capacity=3)
        for helper in helpers:
            volunteering.check_in(actor=coordinator, shift=today_shift, person=helper.person,
                                  at=today_shift.starts_at)
            volunteering.check_out(actor=coordinator, shift=today_shift, person=helper.person, at=now)
            volunteering.sign_up(actor=coordinator, shift=coming_shift, volunteer=helper)
        self.progress(f"{len(titles)} 种图书, {len(goods)} 种慈善物品, {len(helpers)} 名志愿者")
