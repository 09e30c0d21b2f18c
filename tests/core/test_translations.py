"""The Chinese catalogue is complete, compiled and used by default.

After adding or changing a UI string::

    cd src/shequ && ../../.venv/bin/django-admin makemessages -l zh_Hans -i '*/migrations/*'
    # translate the new entries in locale/zh_Hans/LC_MESSAGES/django.po, then
    msgfmt --check -o locale/zh_Hans/LC_MESSAGES/django.mo locale/zh_Hans/LC_MESSAGES/django.po
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import polib
import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import require_service

SOURCE_DIR = Path(__file__).resolve().parents[2] / "src" / "shequ"
LC_MESSAGES = SOURCE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"
REGENERATE = (
    "run `makemessages -l zh_Hans -i '*/migrations/*'` in src/shequ, translate, "
    "then `msgfmt --check -o django.mo django.po` in src/shequ/locale/zh_Hans/LC_MESSAGES"
)

# %(name)s, %(n)d, %s ... but not a literal "%%".
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifgeExXorc]")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def key(entry: polib._BaseEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


def describe(entry: polib._BaseEntry) -> str:
    return f"{entry.msgctxt}|{entry.msgid!r}" if entry.msgctxt else repr(entry.msgid)


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    assert PO_PATH.exists(), f"{PO_PATH} is missing: {REGENERATE}"
    return polib.pofile(str(PO_PATH))


def test_catalogue_header_is_for_chinese(po: polib.POFile) -> None:
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy: msgfmt would drop the charset and plural rule"
    assert po.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")


def test_every_entry_is_translated_and_not_fuzzy(po: polib.POFile) -> None:
    active = [e for e in po if not e.obsolete]
    assert active, "the catalogue is empty"
    fuzzy = [describe(e) for e in active if "fuzzy" in e.flags]
    untranslated = [describe(e) for e in active if not e.translated() and "fuzzy" not in e.flags]
    assert not fuzzy, f"fuzzy (check the translation, then remove the flag): {fuzzy}"
    assert not untranslated, f"untranslated: {untranslated}"


def test_translations_keep_the_placeholders(po: polib.POFile) -> None:
    wrong = []
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            # Chinese has one plural form, used for every count: it must carry the plural's placeholders.
            expected = placeholders(entry.msgid_plural) | placeholders(entry.msgid)
            got = {i: placeholders(s) for i, s in entry.msgstr_plural.items()}
            if set(entry.msgstr_plural) != {0} or got[0] != expected:
                wrong.append(f"{describe(entry)}: expected {sorted(expected)}, got {got}")
        else:
            expected = placeholders(entry.msgid)
            if placeholders(entry.msgstr) != expected:
                wrong.append(f"{describe(entry)} -> {entry.msgstr!r}: expected {sorted(expected)}")
    assert not wrong, "placeholders differ from the msgid:\n" + "\n".join(wrong)


def compiled(entries: Any) -> set[tuple[Any, ...]]:
    return {
        (e.msgctxt, e.msgid, e.msgid_plural or None, e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in entries
        if not e.obsolete
    }


def test_compiled_catalogue_is_up_to_date(po: polib.POFile, tmp_path: Path) -> None:
    assert MO_PATH.exists(), f"{MO_PATH} is missing: {REGENERATE}"
    fresh = tmp_path / "django.mo"
    po.save_as_mofile(str(fresh))
    expected = compiled(polib.mofile(str(fresh)))
    committed_mo = polib.mofile(str(MO_PATH))
    committed = compiled(committed_mo)
    stale = sorted(repr(e[1]) for e in expected - committed)
    extra = sorted(repr(e[1]) for e in committed - expected)
    assert not stale and not extra, (
        f"django.mo does not match django.po ({REGENERATE}); "
        f"changed or missing in the .mo: {stale}; only in the .mo: {extra}"
    )
    assert committed_mo.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"


def test_every_source_string_is_in_the_catalogue(po: polib.POFile, tmp_path: Path) -> None:
    tools = ("xgettext", "msguniq", "msgmerge")
    require_service(
        all(shutil.which(t) for t in tools), "GNU gettext (xgettext) is not installed (apt-get install gettext)"
    )
    copy = tmp_path / "shequ"
    shutil.copytree(
        SOURCE_DIR,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "migrations", "locale", "static", "*.mo", "*.pyc"),
    )
    (copy / "locale").mkdir()
    # Without settings, makemessages writes into ./locale of the copy, never into the real catalogue.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "-i", "*/migrations/*", "--no-obsolete"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    extracted = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    in_source = {key(e): e for e in extracted if not e.obsolete}
    assert in_source, "makemessages found no strings at all"
    in_catalogue = {key(e) for e in po if not e.obsolete}
    missing = [
        f"{describe(e)} ({', '.join(f'{f}:{n}' for f, n in e.occurrences[:2])})"
        for k, e in sorted(in_source.items(), key=lambda item: (item[0][0] or "", item[0][1]))
        if k not in in_catalogue
    ]
    message = f"{len(missing)} string(s) in the source are not in django.po ({REGENERATE}):"
    assert not missing, "\n".join([message, *missing])


GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy"}


def test_no_string_is_marked_for_translation_inside_an_f_string() -> None:
    """makemessages cannot see a ``_("...")`` inside an f-string, so such a string would stay English forever."""
    import ast

    hidden = []
    for path in SOURCE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                for inner in ast.walk(node):
                    if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
                            and inner.func.id in GETTEXT_NAMES):
                        hidden.append(f"{path.relative_to(SOURCE_DIR)}:{inner.lineno}")
    assert hidden == []


@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client: Client) -> None:
    response = client.get(reverse("core:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "登录" in html
    assert "Sign in" not in html


@pytest.mark.django_db
def test_language_cookie_switches_to_english(client: Client, settings: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("core:login")).content.decode()
    assert '<html lang="en"' in html
    assert "Sign in" in html
    assert "登录" not in html


@pytest.mark.django_db
def test_set_language_switches_to_english_and_back(client: Client) -> None:
    login_url = reverse("core:login")
    response = client.post(reverse("set_language"), {"language": "en", "next": login_url})
    assert response.status_code == 302
    assert "Sign in" in client.get(login_url).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": login_url})
    assert "登录" in client.get(login_url).content.decode()
