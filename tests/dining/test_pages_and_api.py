from __future__ import annotations

import io
from typing import Any

from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from shequ.cards import actions as card_actions
from shequ.cards import queries as card_queries
from shequ.cards.choices import WalletKind
from shequ.cards.reconciliation import check_books
from shequ.core.models import User
from shequ.dining import actions, queries
from shequ.dining.models import Canteen, Meal, MenuItem
from tests.conftest import login


def test_an_operator_sells_a_meal_at_the_till_and_a_double_tap_is_charged_once(
        client: Client, operator: User, canteen: Canteen, lunch: MenuItem, diner_card: Any) -> None:
    card = diner_card(75)
    login(client, operator)
    assert "一荤两素套餐" in client.get(f"/dining/{canteen.pk}/till/", {"card": card.number}).content.decode()
    form = {"card": card.number_display, "item": lunch.pk, "idempotency_key": "tap-1"}
    first = client.post(f"/dining/{canteen.pk}/till/", form).content.decode()
    client.post(f"/dining/{canteen.pk}/till/", form)
    assert 'data-testid="till-result"' in first and "¥13.00" in first
    assert Meal.objects.count() == 1
    assert card_queries.balances(card)[WalletKind.CASH] == 5000 - 1300


def test_the_till_shows_why_a_payment_was_refused(client: Client, operator: User, canteen: Canteen,
                                                 lunch: MenuItem, diner_card: Any, clerk: User) -> None:
    card = diner_card(75)
    card_actions.report_lost(actor=clerk, card=card)
    login(client, operator)
    page = client.post(f"/dining/{canteen.pk}/till/", {"card": card.number, "item": lunch.pk,
                                                        "idempotency_key": "k"}).content.decode()
    assert 'data-testid="till-error"' in page


def test_dining_pages_are_404_for_another_canteens_operator_and_redirect_visitors(
        client: Client, other_operator: User, canteen: Canteen) -> None:
    assert client.get(f"/dining/{canteen.pk}/till/").status_code == 302
    login(client, other_operator)
    assert client.get(f"/dining/{canteen.pk}/till/").status_code == 404
    assert client.get(f"/dining/{canteen.pk}/settlement/").status_code == 404
    assert canteen.name not in client.get("/dining/").content.decode()


def test_the_settlement_export_reconciles_to_the_ledger_to_the_fen(
        client: Client, operator: User, canteen: Canteen, lunch: MenuItem, diner_card: Any) -> None:
    for age in (65, 75, 85, 95, 50):
        actions.buy_meal(actor=operator, canteen=canteen, card=diner_card(age), item=lunch)
    login(client, operator)
    month = timezone.localdate().strftime("%Y-%m")
    answer = client.get(f"/dining/{canteen.pk}/settlement/", {"month": month, "format": "xlsx"})
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    total = next(row for row in rows if row[0] == "合计" or row[0] == "Total")
    ledger = next(row for row in rows if row[0] in ("账本", "Ledger"))
    assert total[1] == 5 and total[2] == 75.0 and total[3] == (100 + 200 + 400 + 600) / 100
    assert round(total[3] + total[4] + total[5], 2) == total[2] == ledger[2]
    assert card_queries.account_total(canteen.account) == 7500
    assert check_books().ok


def _till_api(admin: User, canteen: Canteen) -> APIClient:
    _terminal, token = card_actions.register_terminal(actor=admin, name="食堂平板", kind="canteen_till",
                                                      account=canteen.account)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Terminal {token}")
    return api


def test_a_canteen_till_reads_todays_menu_and_buys_meals_over_the_api(
        admin: User, canteen: Canteen, lunch: MenuItem, diner_card: Any) -> None:
    api = _till_api(admin, canteen)
    menu = api.get("/api/v1/terminal/menu/").json()
    assert [i["name"] for i in menu["items"]] == ["面条", "一荤两素套餐"]
    card = diner_card(85, ("subsistence",))
    body = {"card": card.number, "item": lunch.pk, "idempotency_key": "m-1"}
    first = api.post("/api/v1/terminal/meals/", body, format="json")
    assert first.status_code == 201 and first.json()["subsidy_fen"] == 700
    again = api.post("/api/v1/terminal/meals/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert api.post("/api/v1/terminal/meals/", {"card": card.number, "item": 999999, "idempotency_key": "m-2"},
                    format="json").status_code == 404


def test_an_offline_canteen_batch_applies_meals_in_order_with_the_daily_limit(
        admin: User, canteen: Canteen, lunch: MenuItem, diner_card: Any) -> None:
    api = _till_api(admin, canteen)
    card = diner_card(70)
    batch = [{"op": "meal", "card": card.number, "item": lunch.pk, "idempotency_key": f"b-{i}"} for i in range(3)]
    batch.append(batch[0])
    results = api.post("/api/v1/terminal/batch/", {"transactions": batch}, format="json").json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", "duplicate"]
    assert results[2]["code"] == "daily_limit"
    assert Meal.objects.count() == 2 and check_books().ok


def test_the_canteen_api_is_scoped_to_the_operators_canteen(
        operator: User, other_operator: User, canteen: Canteen, client: Client) -> None:
    for user, expected in ((operator, 200), (other_operator, 404)):
        api = APIClient()
        api.force_authenticate(user)
        assert api.get(f"/api/v1/canteens/{canteen.pk}/").status_code == expected
    assert client.get(f"/api/v1/canteens/{canteen.pk}/").status_code == 401
    assert queries.canteens(operator).get() == canteen


def test_an_administrator_opens_a_canteen_with_its_operator(client: Client, admin: User, make_staff: Any,
                                                             org: Any) -> None:
    from shequ.core.roles import Role

    zhou = make_staff(Role.CANTEEN, "zhou2")
    login(client, admin)
    answer = client.post("/dining/new/", {"name": "江苏路助餐点", "address": "江苏路1号",
                                          "neighborhood": org.huashan.pk, "operator": zhou.pk})
    assert answer.status_code == 302
    canteen = Canteen.objects.get(name="江苏路助餐点")
    assert list(queries.canteens(zhou)) == [canteen]
    assert canteen.account.kind == "canteen"


def test_an_operator_puts_todays_dishes_on_the_menu_and_another_cannot(
        client: Client, operator: User, other_operator: User, canteen: Canteen) -> None:
    form = {"form-TOTAL_FORMS": "3", "form-INITIAL_FORMS": "0", "form-0-name": "红烧肉套餐",
            "form-0-price_yuan": "16.50", "form-0-meal_time": "lunch",
            # the browser sends the meal select of the empty rows too
            "form-1-meal_time": "lunch", "form-2-meal_time": "lunch"}
    login(client, other_operator)
    assert client.post(f"/dining/{canteen.pk}/menu/", form).status_code == 404
    login(client, operator)
    assert client.post(f"/dining/{canteen.pk}/menu/", form).status_code == 302
    menu = queries.menu_of(canteen, timezone.localdate())
    assert menu is not None and [(i.name, i.price_fen) for i in menu.items.all()] == [("红烧肉套餐", 1650)]
    assert "红烧肉套餐" in client.get(f"/dining/{canteen.pk}/till/").content.decode()
    client.logout()
    assert client.get(f"/dining/{canteen.pk}/menu/").status_code == 302
