"""A resident's high blood pressure, typed on her phone, reaches her family doctor's worklist."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from shequ.core.roles import Role
from shequ.health import actions
from shequ.health.choices import WorkerKind
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_a_diary_entry_on_a_phone_raises_an_alert_the_doctor_sees(
    browser_page, chromium, live_server, texts, admin, make_staff, resident, resident_person
):
    doctor = make_staff(Role.HEALTH, "doctor")
    actions.assign_health_worker(actor=admin, user=doctor, kind=WorkerKind.FAMILY_DOCTOR)
    centre = make_staff(Role.HEALTH, "centre")
    actions.assign_health_worker(actor=admin, user=centre, kind=WorkerKind.CENTRE_STAFF)
    actions.sign_contract(actor=centre, person=resident_person, doctor=doctor,
                          started_on=dt.date.today() - dt.timedelta(days=1))

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("core:resident_login"))
    page.fill("#id_phone", resident_person.phone)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    code = re.search(r"\d{6}", texts[-1][1]).group(0)
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("main button[type=submit]")

    page.goto(reverse("health:my_health"))
    page.fill("#id_systolic", "186")
    page.fill("#id_diastolic", "112")
    page.fill("#id_note", "早上起来头晕")
    with page.expect_navigation():
        page.click("main form button.primary")
    assert "120" in page.locator("[data-testid=reading-alert]").inner_text(), "she is told to call for help if unwell"
    page.wait_for_function("window.Chart !== undefined && Object.keys(Chart.instances).length >= 1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing is wider than the phone"

    doctor_context = chromium.new_context(base_url=live_server.url, locale="zh-CN")
    doctor_page = doctor_context.new_page()
    try:
        sign_in(doctor_page, "doctor", PASSWORD)
        doctor_page.goto(reverse("health:worklist"))
        row = doctor_page.get_by_test_id("alert-row")
        assert row.count() == 1
        assert resident_person.name in row.inner_text() and "186/112" in row.inner_text()
    finally:
        doctor_context.close()
