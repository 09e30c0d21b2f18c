from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from shequ.safety import secrets
from tests.conftest import require_service


def test_a_device_secret_matches_its_hash_and_nothing_else() -> None:
    secret = secrets.new_secret()
    stored = secrets.hash_secret(secret)
    assert secret not in stored
    assert secrets.matches(secret, stored)
    assert not secrets.matches(secret + "x", stored)
    assert not secrets.matches(secret, "not a hash")


def test_two_devices_with_the_same_secret_get_different_hashes() -> None:
    assert secrets.hash_secret("same") != secrets.hash_secret("same")


def test_the_hash_is_one_mosquitto_accepts_in_its_password_file(tmp_path: Path) -> None:
    """The broker's own tool makes a hash our check reads: the platform can write the broker's password file."""
    tool = shutil.which("mosquitto_passwd")
    require_service(tool is not None, "mosquitto_passwd is not installed (Debian's mosquitto)")
    assert tool is not None
    made = tmp_path / "made"
    subprocess.run([tool, "-b", "-c", str(made), "door-1", "s3cret"],  # noqa: S603 (fixed arguments)
                   check=True, capture_output=True)
    line = made.read_text().strip()
    salt_and_hash = line.split(":", 1)[1]
    assert salt_and_hash.startswith("$7$")
    assert secrets.matches("s3cret", salt_and_hash)
