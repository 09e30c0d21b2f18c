"""The ``shequ`` command: every sub-command is a Django management command of one of the apps.

    shequ init                       generate encryption keys into var/secrets (once)
    shequ demo [--reset] [--residents N]   build the demo sub-district
    shequ serve                      migrate and serve on http://127.0.0.1:8000
    shequ worker                     run background tasks (reminders, imports)
    shequ import-people FILE         import residents from .xlsx/.csv (all-or-nothing)
    shequ export-people FILE         export residents to .xlsx
    shequ createuser                 create a staff or resident account
    shequ import-sources FILE --kind clinic|health --as USER   import records to link (all-or-nothing)
    shequ link --as USER             link records to the registry now (三库合一)
    shequ register-terminal NAME --kind KIND --account CODE --as USER   a till, desk or kiosk; its token once
    shequ deactivate_terminal ID --as ADMIN       stop a terminal's token working
    shequ open311_key --as ADMIN --for STAFF --name N   an Open311 key for a client system
    shequ revoke_open311_key PREFIX --as ADMIN    stop an Open311 key working
    shequ mqtt-passwords --as ADMIN [-o FILE]     Mosquitto's password file of the devices' secrets (audited)
    shequ rotate_keys                re-encrypt every encrypted column under the first field key

With SHEQU_DEMO=1 (``make demo``, ``make serve`` on a demo) texts go to the demo's phone page, /demo/texts/, and
to the console, unless SHEQU_SMS_BACKEND names another backend; and ``shequ serve`` prints the demo's logins last,
once the site answers and its worker's first round is done (:mod:`shequ.demo.console`).
"""

from __future__ import annotations

import os
import sys

DEMO_SMS_BACKEND = "shequ.demo.sms.DemoSmsBackend"
DEFAULT_BIND = "127.0.0.1:8000"


def init_keys() -> None:
    """Generate the secret key, field-encryption key and blind-index key once; never overwrite them."""
    import base64
    import secrets
    from pathlib import Path

    data_dir = Path(os.environ.get("SHEQU_DATA_DIR", Path(__file__).resolve().parents[2] / "var"))
    secrets_dir = data_dir / "secrets"
    secrets_dir.mkdir(parents=True, exist_ok=True)
    secrets_dir.chmod(0o700)
    makers = {
        "SHEQU_SECRET_KEY": lambda: secrets.token_urlsafe(50),
        "SHEQU_FIELD_KEYS": lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "SHEQU_BLIND_INDEX_KEY": lambda: secrets.token_urlsafe(32),
    }
    for name, make in makers.items():
        path = secrets_dir / name
        if os.environ.get(name) or os.environ.get(f"{name}_FILE") or path.exists():
            continue
        path.write_text(make(), encoding="utf-8")
        path.chmod(0o600)
        print(f"generated {path} (back it up: encrypted data cannot be read without it)")


def demo_mode() -> bool:
    """SHEQU_DEMO as settings read it (read here before settings are loaded)."""
    return os.environ.get("SHEQU_DEMO", "").strip().lower() in {"1", "true", "yes", "on"}


def bind_of(args: list[str]) -> str:
    """The address ``shequ serve`` listens on: ``--bind``, else SHEQU_BIND, else 127.0.0.1:8000."""
    for index, arg in enumerate(args):
        if arg == "--bind" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--bind="):
            return arg.partition("=")[2]
    return os.environ.get("SHEQU_BIND", DEFAULT_BIND)


def prepare_demo(args: list[str]) -> None:
    """The demo's console: texts through the demo backend, and the logins printed by the worker ``serve`` starts
    once its first round is done (it prints what that round sends first)."""
    from shequ.demo import console

    if not os.environ.get("SHEQU_SMS_BACKEND"):
        # In the environment, so that the worker ``shequ serve`` starts sends through it too.
        os.environ["SHEQU_SMS_BACKEND"] = DEMO_SMS_BACKEND
    if args[:1] == ["serve"]:
        os.environ[console.ANNOUNCE_URL_ENV] = console.site_url(bind_of(args))
    elif args[:1] == ["worker"] and "--once" not in args and os.environ.get(console.ANNOUNCE_URL_ENV):
        from shequ.core.tasks import PERIODIC_JOBS, PeriodicJob

        PERIODIC_JOBS.append(PeriodicJob(console.JOB_NAME, "shequ.demo.console.announce_logins", console.ONCE))


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["init"]:
        init_keys()
        return
    if demo_mode():
        prepare_demo(args)
    from django.core.management import execute_from_command_line

    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")  # `shequ import-people` runs the import_people command

    if not args or args[0] in {"-h", "--help"}:
        print(__doc__)
        args = args or ["help"]
    try:
        execute_from_command_line(["shequ", *args])
    except KeyboardInterrupt:
        # Ctrl+C stops `make demo` and `make serve` (and reaches the worker `serve` started, too): end without a
        # traceback, with the status a shell gives an interrupted command.
        sys.exit(130)


if __name__ == "__main__":
    main()
