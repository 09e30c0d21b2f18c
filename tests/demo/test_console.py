"""What `make demo` and `make serve` print: the logins last, where residents read their codes, and the console set
up for the demo by the `shequ` command."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from shequ import cli
from shequ.core import tasks
from shequ.core.models import User
from shequ.demo import builder, console, logins


@pytest.fixture
def demo(db) -> builder.BuildResult:
    return builder.build(residents=20)


def test_the_logins_box_lists_every_staff_login_and_resident_phone_and_ends_with_the_texts_page(demo):
    box = logins.logins_box(logins.current_logins(), "http://127.0.0.1:8000")
    printed = [login for login in demo.logins if not login.phone]
    for login in printed:
        assert re.search(rf"^ +{re.escape(login.username)} ", box, re.M), login.username
    assert builder.DEMO_PASSWORD in box
    for login in demo.logins:
        if login.phone:
            assert login.phone in box
    last_lines = box.splitlines()[-3:]
    assert "http://127.0.0.1:8000/demo/texts/" in last_lines[0]
    assert "【演示短信】" in last_lines[1]


def test_an_account_whose_password_was_changed_is_no_longer_listed(demo):
    clerk = User.objects.get(username="clerk")
    clerk.set_password("a-new-and-private-one-2026")
    clerk.save()
    usernames = {login.username for login in logins.current_logins()}
    assert "clerk" not in usernames and "admin" in usernames


def test_the_demo_command_prints_the_logins_as_its_last_lines(db):
    out = io.StringIO()
    call_command("demo", residents=20, stdout=out)
    printed = out.getvalue().rstrip().splitlines()
    assert printed[-1].startswith("=====")
    assert "/demo/texts/" in printed[-3]
    assert any(line.split()[:1] == ["admin"] for line in printed)


def test_the_demo_command_delivers_the_demos_past_texts_to_the_phone_page_not_the_console(db, capsys):
    from shequ.core.choices import MessageStatus
    from shequ.core.models import OutboxMessage
    from shequ.demo.models import DemoText

    call_command("demo", residents=20, no_logins=True, stdout=io.StringIO())
    assert DemoText.objects.exists()
    assert not OutboxMessage.objects.exclude(status=MessageStatus.SENT).exists()
    assert "【演示短信】" not in capsys.readouterr().out


def test_is_built_answers_whether_the_database_holds_a_demo(db):
    with pytest.raises(SystemExit) as before:
        call_command("demo", is_built=True)
    builder.build(residents=20)
    with pytest.raises(SystemExit) as after:
        call_command("demo", is_built=True)
    assert (before.value.code, after.value.code) == (1, 0)


def test_the_served_worker_prints_the_logins_once_the_site_answers(live_server, transactional_db, monkeypatch,
                                                                      capsys):
    builder.build(residents=20, services=False)
    monkeypatch.setenv(console.ANNOUNCE_URL_ENV, live_server.url)
    assert console.announce_logins() == 1
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[-1].startswith("=====") and f"{live_server.url}/demo/texts/" in printed[-3]


def test_the_served_worker_prints_nothing_for_a_database_without_a_demo(db, monkeypatch, capsys):
    monkeypatch.setenv(console.ANNOUNCE_URL_ENV, "http://127.0.0.1:9")
    assert console.announce_logins() == 0
    assert capsys.readouterr().out == ""


@pytest.fixture
def clean_environment(monkeypatch):
    for name in ("SHEQU_SMS_BACKEND", console.ANNOUNCE_URL_ENV, "SHEQU_BIND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(tasks, "PERIODIC_JOBS", list(tasks.PERIODIC_JOBS))


def test_in_the_demo_serve_sends_texts_to_the_phone_page_and_tells_its_worker_where_the_site_is(
        clean_environment, monkeypatch):
    import os

    cli.prepare_demo(["serve", "--bind", "0.0.0.0:8123"])
    assert os.environ["SHEQU_SMS_BACKEND"] == "shequ.demo.sms.DemoSmsBackend"
    assert os.environ[console.ANNOUNCE_URL_ENV] == "http://127.0.0.1:8123"


def test_the_served_worker_prints_the_logins_after_its_other_periodic_jobs(clean_environment, monkeypatch):
    monkeypatch.setenv(console.ANNOUNCE_URL_ENV, "http://127.0.0.1:8000")
    cli.prepare_demo(["worker"])
    assert tasks.PERIODIC_JOBS[-1].function == "shequ.demo.console.announce_logins"
    assert tasks.PERIODIC_JOBS[-1].load() is console.announce_logins


def test_a_worker_run_once_or_outside_serve_prints_no_logins(clean_environment, monkeypatch):
    jobs = list(tasks.PERIODIC_JOBS)
    cli.prepare_demo(["worker"])
    monkeypatch.setenv(console.ANNOUNCE_URL_ENV, "http://127.0.0.1:8000")
    cli.prepare_demo(["worker", "--once"])
    assert jobs == tasks.PERIODIC_JOBS


def test_a_gateway_named_in_the_environment_is_kept_in_the_demo(clean_environment, monkeypatch):
    import os

    monkeypatch.setenv("SHEQU_SMS_BACKEND", "example.Gateway")
    cli.prepare_demo(["serve"])
    assert os.environ["SHEQU_SMS_BACKEND"] == "example.Gateway"


@pytest.mark.parametrize(("args", "environment", "url"), [
    ([], {}, "http://127.0.0.1:8000"),
    ([], {"SHEQU_BIND": "127.0.0.1:9000"}, "http://127.0.0.1:9000"),
    (["--bind=[::1]:8001"], {}, "http://[::1]:8001"),
    (["--workers", "1", "--bind", "0.0.0.0:80"], {}, "http://127.0.0.1:80"),
])
def test_the_printed_address_is_where_a_browser_here_reaches_the_server(args, environment, url, monkeypatch):
    monkeypatch.delenv("SHEQU_BIND", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert console.site_url(cli.bind_of(args)) == url


def test_ctrl_c_stops_a_command_without_a_traceback(monkeypatch, capsys):
    import django.core.management

    def interrupted(argv):
        raise KeyboardInterrupt

    monkeypatch.delenv("SHEQU_DEMO", raising=False)
    monkeypatch.setattr(django.core.management, "execute_from_command_line", interrupted)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["serve"])
    assert stopped.value.code == 130
    assert "Traceback" not in capsys.readouterr().err
