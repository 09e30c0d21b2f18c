"""Charity-shop pages: receiving a donation and printing its receipt, the till, allowances, exports."""

import datetime as dt

from shequ.charity import actions
from shequ.charity.models import AllowanceRun, Donation, Sale
from shequ.core.actions import PERSONAL_DATA_EXPORTED
from shequ.core.models import AuditEntry


def test_a_clerk_receives_a_donation_and_gets_a_printable_receipt(client, clerk, rice):
    client.force_login(clerk)
    response = client.post("/charity/donations/new/", {"donor_name": "王先生", "donor_phone": "13700005555",
                                                       "item_1": rice.pk, "quantity_1": 4})
    donation = Donation.objects.get(donor_name="王先生")
    assert response.status_code == 302 and response["Location"] == f"/charity/donations/{donation.pk}/receipt/"
    page = client.get(response["Location"]).content.decode()
    assert donation.receipt_number in page and "137****5555" in page and "13700005555" not in page
    assert "data-print" in page


def test_a_donation_line_without_quantity_is_refused(client, clerk, rice):
    client.force_login(clerk)
    response = client.post("/charity/donations/new/", {"donor_name": "王先生", "item_1": rice.pk})
    assert response.status_code == 200 and not Donation.objects.filter(donor_name="王先生").exists()


def test_the_till_finds_the_resident_and_sells_for_points_and_cash(client, clerk, rice, eligible):
    actions.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 5, 1), points_per_household=2000,
                                    tags=["subsistence"])
    client.force_login(clerk)
    assert f"?buyer={eligible.pk}" in client.get("/charity/sales/new/", {"reader_q": "zgy"}).content.decode()
    response = client.post(f"/charity/sales/new/?buyer={eligible.pk}",
                           {"buyer": eligible.pk, "item_1": rice.pk, "quantity_1": 1, "points": 2000})
    assert response.status_code == 302
    sale = Sale.objects.get()
    assert (sale.points_paid, sale.cash_fen) == (2000, 1000)


def test_a_clerk_grants_the_monthly_allowance_and_exports_it(client, clerk, eligible):
    client.force_login(clerk)
    response = client.post("/charity/allowances/", {"month": "2026-06", "points_per_household": 3000,
                                                    "tags": ["subsistence"]})
    run = AllowanceRun.objects.get()
    assert response.status_code == 302 and run.month == dt.date(2026, 6, 1)
    assert "张桂英" in client.get(f"/charity/allowances/{run.pk}/").content.decode()
    export = client.get(f"/charity/allowances/{run.pk}/", {"format": "xlsx"})
    assert export.status_code == 200 and b"".join(export.streaming_content)[:2] == b"PK"
    exported = AuditEntry.objects.get(event=PERSONAL_DATA_EXPORTED, actor=clerk)
    assert exported.after["what"] == "charity.allowance" and exported.after["rows"] == run.allowances.count()


def test_the_stock_report_exports_to_excel(client, clerk, rice):
    client.force_login(clerk)
    assert "大米5公斤" in client.get("/charity/").content.decode()
    export = client.get("/charity/", {"format": "xlsx"})
    assert export.status_code == 200 and b"".join(export.streaming_content)[:2] == b"PK"


def test_a_resident_sees_her_points_but_not_the_shop(client, clerk, rice, resident, resident_person):
    actions.sell(actor=clerk, buyer=resident_person, lines=[(rice, 1)], points=0)
    client.force_login(resident)
    assert "大米5公斤" in client.get("/charity/mine/").content.decode()
    for url in ("/charity/", "/charity/sales/new/", "/charity/donations/", "/charity/allowances/"):
        assert client.get(url).status_code == 404, url


def test_visitors_are_sent_to_sign_in_and_other_subdistricts_see_nothing(client, outside_clerk, clerk, rice):
    assert client.get("/charity/").status_code == 302
    donation = Donation.objects.get()
    client.force_login(outside_clerk)
    assert client.get(f"/charity/donations/{donation.pk}/receipt/").status_code == 404
    assert "大米5公斤" not in client.get("/charity/").content.decode()
