"""The outbox: texts are rows written with the action, sent by the worker with retries, never lost, never twice
at once, and visible to administrators without the recipient's number or a sensitive text."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from shequ.core import actions, outbox
from shequ.core.errors import Conflict
from shequ.core.models import AuditEntry, LoginCode, OutboxAttempt, OutboxMessage, User
from shequ.core.sms import LogSmsBackend, MemorySmsBackend
from tests.conftest import SentTexts

PHONE = "13812345678"  # the resident's
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def queue_one(*, to: str = PHONE, sensitive: bool = True, **extra: Any) -> OutboxMessage:
    (message,) = outbox.enqueue(channel="sms", to=to, text="您好", event="test.notice", sensitive=sensitive, **extra)
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=T0)
    return message


@pytest.mark.django_db(transaction=True)  # the worker recycles connections, which ends a test's transaction
def test_an_action_only_queues_its_text_and_the_worker_sends_it(resident: User, texts: SentTexts) -> None:
    actions.send_login_code(phone=PHONE)
    message = OutboxMessage.objects.get()
    assert message.status == "queued" and message.event == actions.LOGIN_CODE_SENT
    assert message.recipient_masked == "138****5678" and message.subdistrict_id == resident.subdistrict_id
    assert MemorySmsBackend.outbox == []
    call_command("worker", "--once")
    assert [phone for phone, _text in MemorySmsBackend.outbox] == [PHONE]
    message.refresh_from_db()
    assert message.status == "sent" and message.sent_at is not None
    assert message.body == ""  # a sent login code is not kept


def test_phone_and_text_are_encrypted_at_rest(resident: User, texts: SentTexts) -> None:
    actions.send_login_code(phone=PHONE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT recipient, body FROM core_outboxmessage")
        ((recipient, body),) = cursor.fetchall()
    assert PHONE not in recipient and "5678" not in recipient and not re.search(r"\d{6}", body)


@pytest.mark.django_db(transaction=True)
def test_a_gateway_failure_leaves_the_sign_in_done_and_the_code_queued_for_retry(
        resident: User, texts: SentTexts) -> None:
    MemorySmsBackend.unreachable.add("*")
    client = Client()
    response = client.post("/login/resident/", {"step": "phone", "phone": PHONE})
    assert response.status_code == 200 and LoginCode.objects.filter(user=resident).count() == 1
    before = timezone.now()
    assert outbox.deliver_due() == 1
    message = OutboxMessage.objects.get()
    assert message.status == "queued" and message.attempts == 1
    assert before + dt.timedelta(seconds=30) <= message.next_attempt_at <= timezone.now() + dt.timedelta(seconds=30)
    assert "ConnectionError" in message.last_error and "138****5678" in message.last_error
    assert PHONE not in message.last_error
    MemorySmsBackend.unreachable.clear()
    assert outbox.deliver_due(now=message.next_attempt_at) == 1
    (_phone, text), = MemorySmsBackend.outbox
    code = re.search(r"\d{6}", text).group()  # type: ignore[union-attr]
    response = client.post("/login/resident/", {"step": "code", "phone": PHONE, "code": code})
    assert response.status_code == 302
    assert [a.outcome for a in OutboxAttempt.objects.filter(message=message)] == ["error", "sent"]


def test_failed_attempts_wait_30_seconds_doubling_to_an_hour_and_then_the_message_fails(
        org: Any, texts: SentTexts) -> None:
    MemorySmsBackend.unreachable.add("*")
    message = queue_one()
    now, waits = T0, []
    while True:
        assert outbox.deliver_due(now=now) == 1
        message.refresh_from_db()
        if message.status == "failed":
            break
        assert message.status == "queued"
        waits.append((message.next_attempt_at - now).total_seconds())
        assert outbox.deliver_due(now=message.next_attempt_at - dt.timedelta(seconds=1)) == 0  # not before
        now = message.next_attempt_at
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert message.attempts == outbox.MAX_ATTEMPTS == 10
    assert list(OutboxAttempt.objects.filter(message=message).values_list("number", "outcome")) == [
        (n, "error") for n in range(1, 11)]
    assert outbox.deliver_due(now=now + dt.timedelta(days=1)) == 0


def test_a_message_that_ran_out_of_attempts_is_shown_to_the_administrator_who_sends_it_again(
        admin: User, alice: User, texts: SentTexts) -> None:
    MemorySmsBackend.unreachable.add("*")
    secret = queue_one(max_attempts=1, subdistrict_id=admin.subdistrict_id)
    plain = queue_one(to="13900001111", sensitive=False, max_attempts=1, subdistrict_id=admin.subdistrict_id)
    assert outbox.deliver_due(now=T0) == 2
    client = Client()
    client.force_login(admin)
    page = client.get("/outbox/?status=failed").content.decode()
    assert "138****5678" in page and "139****1111" in page and "ConnectionError" in page
    assert PHONE not in page and "13900001111" not in page
    assert page.count("您好") == 1  # the text of the message that is not sensitive only
    assert page.count('action="/outbox/') == 2
    rows = APIClient()
    rows.force_authenticate(admin)
    listed = {row["id"]: row for row in rows.get("/api/v1/outbox-messages/?status=failed").json()["results"]}
    assert listed[secret.pk]["text"] is None and listed[plain.pk]["text"] == "您好"
    assert listed[secret.pk]["recipient"] == "138****5678"

    committee = Client()
    committee.force_login(alice)
    assert committee.get("/outbox/").status_code == 404
    assert committee.post(f"/outbox/{secret.pk}/retry/").status_code == 404

    MemorySmsBackend.unreachable.clear()
    assert client.post(f"/outbox/{secret.pk}/retry/").status_code == 302
    assert rows.post(f"/api/v1/outbox-messages/{plain.pk}/retry/").json()["status"] == "queued"
    assert rows.post(f"/api/v1/outbox-messages/{plain.pk}/retry/").status_code == 409
    assert AuditEntry.objects.filter(event=actions.MESSAGE_RETRIED, actor=admin).count() == 2
    assert sorted(phone for phone, _text in texts) == [PHONE, "13900001111"]
    secret.refresh_from_db()
    assert secret.status == "sent" and secret.attempts == 2 and secret.body == ""


def test_a_message_left_sending_by_a_sender_that_died_is_sent_once_its_lease_has_passed(
        org: Any, texts: SentTexts) -> None:
    message = queue_one()
    (claimed,) = outbox._claim(T0, 10)  # a sender takes it, then its process is killed before it sends
    assert claimed.pk == message.pk
    assert outbox.deliver_due(now=T0 + outbox.LEASE - dt.timedelta(seconds=1)) == 0
    assert outbox.deliver_due(now=T0 + outbox.LEASE + dt.timedelta(seconds=1)) == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2 and MemorySmsBackend.outbox == [(PHONE, "您好")]
    assert list(OutboxAttempt.objects.filter(message=message).values_list("outcome", flat=True)) == [
        "interrupted", "sent"]


def test_a_sender_that_lost_its_lease_cannot_overwrite_what_the_next_sender_did(
        org: Any, texts: SentTexts) -> None:
    queue_one()
    (slow,) = outbox._claim(T0, 10)
    (taken_over,) = outbox._claim(T0 + outbox.LEASE + dt.timedelta(seconds=1), 10)
    outbox._attempt(taken_over, T0 + outbox.LEASE + dt.timedelta(seconds=2))
    MemorySmsBackend.unreachable.add("*")
    outbox._attempt(slow, T0 + outbox.LEASE + dt.timedelta(seconds=3))  # its gateway call finally times out
    message = OutboxMessage.objects.get()
    assert message.status == "sent" and message.last_error == ""


def test_a_message_that_a_sender_crashes_on_every_time_fails_after_its_last_attempt(
        org: Any, texts: SentTexts) -> None:
    message = queue_one(max_attempts=2)
    outbox._claim(T0, 10)
    outbox._claim(T0 + outbox.LEASE + dt.timedelta(seconds=1), 10)
    assert outbox.deliver_due(now=T0 + 2 * outbox.LEASE + dt.timedelta(seconds=2)) == 0
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 2 and MemorySmsBackend.outbox == []
    assert set(OutboxAttempt.objects.filter(message=message).values_list("outcome", flat=True)) == {"interrupted"}


def test_a_login_code_that_could_not_go_out_before_it_expired_is_never_sent_late(
        resident: User, admin: User, texts: SentTexts, settings: Any) -> None:
    MemorySmsBackend.unreachable.add("*")
    actions.send_login_code(phone=PHONE)
    outbox.deliver_due()
    MemorySmsBackend.unreachable.clear()
    message = OutboxMessage.objects.get()
    assert outbox.deliver_due(now=message.expires_at + dt.timedelta(seconds=1)) == 0
    message.refresh_from_db()
    assert message.status == "failed" and message.body == "" and MemorySmsBackend.outbox == []
    with pytest.raises(Conflict):
        actions.retry_message(actor=admin, message=message)


def test_a_dedupe_key_queues_each_recipient_once_however_often_the_caller_runs(org: Any) -> None:
    for _run in range(2):
        outbox.enqueue(channel="sms", to=[PHONE, "139 0000 1111", "", PHONE], text="提醒", event="test.reminder",
                       dedupe_key="test.reminder:1")
    assert sorted(m.recipient for m in OutboxMessage.objects.all()) == [PHONE, "13900001111"]
    outbox.enqueue(channel="sms", to=PHONE, text="提醒", event="test.reminder", dedupe_key="test.reminder:2")
    assert OutboxMessage.objects.count() == 3


def refuse_every_number(recipient: str, text: str) -> None:
    raise outbox.Undeliverable("no such number")


def test_a_channel_is_an_entry_in_the_registry_and_an_undeliverable_recipient_fails_at_once(
        org: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(outbox.CHANNELS, "test", outbox.Channel(
        "test", send="tests.core.test_outbox.refuse_every_number", mask="shequ.core.crypto.mask_phone",
        normalize="shequ.core.crypto.normalize_phone"))
    (message,) = outbox.enqueue(channel="test", to=PHONE, text="hi", event="test.notice")
    assert outbox.deliver_due() == 1
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 1 and "no such number" in message.last_error
    with pytest.raises(ValueError, match="unknown outbox channel"):
        outbox.enqueue(channel="pigeon", to=PHONE, text="hi", event="test.notice")


def test_the_log_backend_refuses_to_run_outside_development_and_the_demo(settings: Any) -> None:
    settings.SMS_BACKEND = "shequ.core.sms.LogSmsBackend"
    settings.DEBUG, settings.DEMO, settings.TESTING = False, False, False
    with pytest.raises(ImproperlyConfigured, match="SHEQU_DEMO"):
        LogSmsBackend()
    with pytest.raises(CommandError, match="writes login codes to the log"):
        call_command("worker", "--once")
    with pytest.raises(CommandError, match="writes login codes to the log"):
        call_command("serve", "--bind", "127.0.0.1:1")
    settings.DEMO = True
    LogSmsBackend().send(PHONE, "demo")
    settings.DEMO, settings.DEBUG = False, True
    LogSmsBackend().send(PHONE, "development")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_never_send_the_same_message_twice(postgres_only: None, org: Any,
                                                              texts: SentTexts) -> None:
    for n in range(120):
        outbox.enqueue(channel="sms", to=f"1390000{n:04d}", text=f"第{n}条", event="test.notice")
    barrier = threading.Barrier(4)
    tried: list[int] = []

    def sender() -> None:
        barrier.wait()
        try:
            tried.append(outbox.deliver_due(limit=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = Counter(text for _phone, text in MemorySmsBackend.outbox)
    assert len(sent) == 120 and set(sent.values()) == {1} and sum(tried) == 120
    assert OutboxMessage.objects.filter(status="sent", attempts=1).count() == 120
    assert OutboxAttempt.objects.count() == 120


def test_a_message_about_health_data_shows_the_administrator_neither_its_text_nor_its_record(
        admin: User, texts: SentTexts) -> None:
    (message,) = outbox.enqueue(channel="sms", to=PHONE, text="您的签约居民血糖偏低", event="health.alert_raised",
                                obj=admin, sensitive=False, subdistrict_id=admin.subdistrict_id)
    assert message.sensitive and message.object_id == "", "a caller cannot make a health message readable"
    rows = APIClient()
    rows.force_authenticate(admin)
    (listed,) = rows.get("/api/v1/outbox-messages/").json()["results"]
    assert listed["text"] is None and listed["object_id"] == "" and listed["event"] == "health.alert_raised"
    client = Client()
    client.force_login(admin)
    assert "血糖" not in client.get("/outbox/").content.decode()
