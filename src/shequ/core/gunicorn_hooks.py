"""gunicorn settings for ``shequ serve``: start the periodic-task worker beside the web workers."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

_worker: subprocess.Popen[bytes] | None = None


def on_starting(server: Any) -> None:
    global _worker
    _worker = subprocess.Popen([sys.executable, "-m", "shequ.cli", "worker"])


def on_exit(server: Any) -> None:
    if _worker is not None:
        _worker.terminate()
