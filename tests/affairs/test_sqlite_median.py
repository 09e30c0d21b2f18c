"""The assessment's median exists on every SQLite connection, even one opened before any assessment code ran
(a server opens one for the session on its first request)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

SRC = Path(__file__).resolve().parents[2] / "src"


def test_a_new_process_has_the_median_before_importing_the_assessment(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL has percentile_cont; the median function is SQLite's stand-in")
    script = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SELECT SHEQU_MEDIAN(x) FROM (SELECT 1 AS x UNION ALL SELECT 3 UNION ALL SELECT 8)')\n"
        "    print(cursor.fetchone()[0])\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shequ.settings", "SHEQU_TESTING": "1",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}", "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout) == 3
