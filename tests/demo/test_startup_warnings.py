"""Starting the platform as `make demo` does prints no warning: a newcomer's first screen is the logins."""

from __future__ import annotations

import base64
import io
import os
import secrets
import subprocess
import sys
import warnings
from pathlib import Path

from django.core.management import call_command

SRC = Path(__file__).resolve().parents[2] / "src"


def test_the_system_checks_warn_of_nothing():
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call_command("check", stdout=out, stderr=err)
    assert [str(warning.message) for warning in caught] == []
    assert "no issues" in out.getvalue() and err.getvalue() == ""


def test_starting_the_demo_server_warns_of_nothing(tmp_path):
    """Settings, app loading, the system checks and the web application with its middleware, in a fresh process
    with warnings made errors, in the data directory `make demo` prepares (keys from `shequ init`, static/)."""
    (tmp_path / "static").mkdir()
    environment = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("SHEQU_", "DJANGO_", "DATABASE_URL", "PYTEST"))
    }
    environment.update({
        "PYTHONPATH": str(SRC), "DJANGO_SETTINGS_MODULE": "shequ.settings", "SHEQU_DEMO": "1",
        "SHEQU_DATA_DIR": str(tmp_path), "SHEQU_SECRET_KEY": secrets.token_urlsafe(50),
        "SHEQU_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "SHEQU_BLIND_INDEX_KEY": secrets.token_urlsafe(32), "SHEQU_SMS_BACKEND": "shequ.demo.sms.DemoSmsBackend",
    })
    script = ("import django; django.setup(); from django.core.management import call_command; "
              "call_command('check'); from shequ.wsgi import application; "
              "from shequ.core import sms; sms.check_backend()")
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-W", "error", "-c", script], env=environment, capture_output=True,
        text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.strip() == "System check identified no issues (0 silenced)."
