"""Headers every page carries (CSP without inline script, Permissions-Policy), templates with nothing inline,
and ``shequ check --deploy`` clean under the production settings that docs/security.md gives."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "shequ"


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_the_sign_in_pages_carry_a_policy_without_inline_script(client, org):
    for url in ("/", "/login/", "/login/resident/", "/library/"):
        policy = _policy(client.get(url))
        assert policy["script-src"] == ["'self'"], url
        assert "'unsafe-inline'" not in policy["style-src"] and "'unsafe-eval'" not in policy["script-src"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]


def test_staff_pages_and_the_api_carry_the_policy_and_the_permissions_policy(client, alice):
    login(client, alice)
    for url in ("/desk/", "/population/people/", "/api/v1/auth/tokens/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _policy(response)["script-src"] == ["'self'"]
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_the_api_documentation_loads_its_script_from_a_file_and_only_it_may_use_inline_styles(client, alice):
    login(client, alice)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    policy = _policy(page)
    assert policy["script-src"] == ["'self'"] and "'unsafe-inline'" in policy["style-src"]
    html = page.content.decode()
    script = re.search(r'<script src="([^"]*script=[^"]*)"', html)
    assert script and "<script>" not in html
    assert client.get(script.group(1).replace("&amp;", "&")).status_code == 200


def _templates() -> list[Path]:
    return sorted(SRC.glob("*/templates/**/*.html"))


def test_no_template_has_inline_script_style_or_event_handlers():
    offending = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\ssrc=)[^>]*>", r"\sstyle=\"", r"<style", r"\son[a-z]+=\""):
            offending += [f"{path.relative_to(SRC)}: {m.group()}" for m in re.finditer(pattern, text)]
    assert _templates() and offending == []


def _production_env() -> dict[str, str]:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- production-env.*?-->\s*```sh\n(.*?)```", text, re.S)
    assert block, "docs/security.md has no production environment block"
    return dict(line.split("=", 1) for line in block.group(1).splitlines() if line.strip())


def _run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "-c", "from shequ.cli import main; main()", *args],  # noqa: S603
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def test_the_production_settings_of_the_docs_pass_check_deploy(tmp_path):
    env = _production_env()
    for name in ("SHEQU_SECRET_KEY", "SHEQU_FIELD_KEYS", "SHEQU_BLIND_INDEX_KEY"):
        secret = tmp_path / name
        secret.write_text(secrets.token_urlsafe(50) if name != "SHEQU_FIELD_KEYS" else
                          "aW5zZWN1cmUtZGV2LW9ubHktZmllbGQta2V5LTMyYnk=", encoding="utf-8")
        assert env.pop(f"{name}_FILE")
        env[f"{name}_FILE"] = str(secret)
    env.update(PATH=os.environ.get("PATH", ""), PYTHONPATH=os.pathsep.join(sys.path), SHEQU_DATA_DIR=str(tmp_path),
               DJANGO_SETTINGS_MODULE="shequ.settings")
    output = _run(env, "check", "--deploy")
    issues = [line for line in output.splitlines() if re.match(r"^\S*: \(", line) or line.startswith("?: (")]
    # Security, CSP, the platform's own checks and the OpenAPI generator's warnings are all silent.
    assert issues == [], output
    # The proxy's TLS header is believed only because the block names it.
    assert "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')" in _run(env, "diffsettings")


def test_without_configuration_no_header_is_believed_to_mean_https():
    assert settings.SECURE_PROXY_SSL_HEADER is None
    assert settings.TRUSTED_PROXIES == []
