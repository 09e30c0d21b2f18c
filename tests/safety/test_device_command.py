"""``shequ mqtt-passwords``: the broker's password file from the registry, audited, that Mosquitto accepts."""

from __future__ import annotations

import getpass
import io
import shutil
import subprocess
import time

import pytest
from django.core.management import CommandError, call_command

from shequ.core.models import AuditEntry
from shequ.safety import secrets
from shequ.safety.actions import devices as actions
from tests.conftest import require_service


def test_the_command_writes_the_file_of_active_secrets(tmp_path, admin, door, camera):
    _device, secret = actions.issue_secret(actor=admin, device=door)
    target = tmp_path / "passwords"
    call_command("mqtt_passwords", "--as", "admin", "-o", str(target), stderr=io.StringIO())
    [line] = target.read_text().splitlines()
    user, hashed = line.split(":", 1)
    assert user == "door-hs-1-1" and secrets.matches(secret, hashed)
    assert target.stat().st_mode & 0o777 == 0o640
    assert AuditEntry.objects.filter(event=actions.MQTT_PASSWORDS_EXPORTED, actor=admin).exists()


def test_without_a_file_it_writes_to_standard_output(admin, door):
    actions.issue_secret(actor=admin, device=door)
    out = io.StringIO()
    call_command("mqtt_passwords", "--as", "admin", stdout=out)
    assert out.getvalue().startswith("door-hs-1-1:$7$")


def test_only_an_administrator_may_write_it(alice, police):
    for user in ("alice", "police", "nobody"):
        with pytest.raises(CommandError):
            call_command("mqtt_passwords", "--as", user, stdout=io.StringIO())


def test_mosquitto_accepts_the_file_and_lets_the_device_in_with_its_secret(tmp_path, admin, door):
    """A broker of our own on a free port, with only our password file: the device connects with its secret and
    is refused with a wrong one."""
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    require_service(shutil.which("mosquitto_sub") is not None and shutil.os.path.exists(mosquitto),
                    "mosquitto is not installed (Debian's mosquitto)")
    import socket

    _device, secret = actions.issue_secret(actor=admin, device=door)
    passwords = tmp_path / "passwords"
    call_command("mqtt_passwords", "--as", "admin", "-o", str(passwords), stderr=io.StringIO())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "mosquitto.conf"
    # Started as root, Mosquitto would drop to its own user, which may not read a file only its owner's group
    # reads: here it stays the test's user, as a broker run by the platform's own user does.
    config.write_text(f"user {getpass.getuser()}\nlistener {port} 127.0.0.1\nallow_anonymous false\n"
                      f"password_file {passwords}\n")
    broker = subprocess.Popen([mosquitto, "-c", str(config)], stdout=subprocess.DEVNULL,  # noqa: S603
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)

        def publish(password: str) -> int:
            return subprocess.run(  # noqa: S603
                ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-u", "door-hs-1-1", "-P", password,  # noqa: S607
                 "-t", "t", "-m", "m"], capture_output=True, timeout=10).returncode

        assert publish(secret) == 0
        assert publish(secret + "x") != 0
    finally:
        broker.terminate()
        broker.wait(timeout=10)
