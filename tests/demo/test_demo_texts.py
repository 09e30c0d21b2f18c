"""The demo's phone: a resident signing in to the demo reads her code on /demo/texts/ and on the server console,
never anywhere outside the demo."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from shequ.core.outbox import deliver_due
from shequ.demo import sms
from shequ.demo.models import DemoText

PHONE = "13812345678"  # the `resident` fixture's


@pytest.fixture
def demo_mode(settings, db):
    settings.DEMO = True
    settings.SMS_BACKEND = sms.BACKEND


def _ask_for_a_code(client) -> str:
    client.post("/login/resident/", {"step": "phone", "phone": PHONE})
    deliver_due()  # as the worker would
    message = DemoText.objects.get()
    return re.search(r"(?<!\d)\d{6}(?!\d)", message.text).group(0)


def test_a_residents_sign_in_code_is_on_the_demo_phone_page_with_her_number_masked(client, resident, demo_mode):
    code = _ask_for_a_code(client)
    response = client.get("/demo/texts/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "138****5678" in page and code in page
    assert PHONE not in page
    # and the code lets her in
    response = client.post("/login/resident/", {"step": "code", "phone": PHONE, "code": code})
    assert response.status_code == 302


def test_each_demo_text_is_one_marked_line_on_the_console(client, resident, demo_mode, capsys):
    code = _ask_for_a_code(client)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("【演示短信】")]
    assert len(lines) == 1
    assert lines[0].startswith("【演示短信】138****5678: ") and code in lines[0]
    assert PHONE not in lines[0]


def test_texts_delivered_quietly_reach_the_page_but_not_the_console(demo_mode, capsys):
    with sms.quietly():
        sms.DemoSmsBackend().send(PHONE, "您的诉求已受理。")
    assert capsys.readouterr().out == ""
    assert DemoText.objects.get().phone_masked == "138****5678"


def test_the_page_shows_the_last_twenty_texts_newest_first(client, demo_mode):
    backend = sms.DemoSmsBackend()
    for number in range(25):
        backend.send(PHONE, f"第{number:02d}条短信")
    page = client.get("/demo/texts/").content.decode()
    shown = re.findall(r"第(\d\d)条短信", page)
    assert shown == [f"{number:02d}" for number in range(24, 4, -1)]


def test_the_demo_phone_page_does_not_exist_outside_the_demo(client, settings, db):
    DemoText.objects.create(phone_masked="138****5678", text="您的验证码是 123456")
    settings.DEMO = False
    response = client.get("/demo/texts/")
    assert response.status_code == 404
    assert "123456" not in response.content.decode()


def test_the_demo_backend_refuses_to_run_outside_the_demo(settings):
    settings.DEMO = False
    settings.TESTING = False
    with pytest.raises(ImproperlyConfigured):
        sms.DemoSmsBackend()


def test_the_code_step_of_the_sign_in_points_to_the_demo_phone_only_in_the_demo(client, resident, demo_mode,
                                                                                 settings):
    page = client.post("/login/resident/", {"step": "phone", "phone": PHONE}).content.decode()
    assert 'href="/demo/texts/"' in page
    settings.DEMO = False
    page = client.post("/login/resident/", {"step": "phone", "phone": PHONE}).content.decode()
    assert "/demo/texts/" not in page
