"""API tokens: only a digest in the database, shown once, expiring, revocable by the owner and an administrator,
and every issue and revocation in the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from shequ.core import actions
from shequ.core.errors import NotFound
from shequ.core.models import ApiToken, AuditEntry
from tests.conftest import PASSWORD

API = "/api/v1"


def _obtain(username: str = "alice", password: str = PASSWORD) -> str:
    response = APIClient().post(f"{API}/auth/token/", {"username": username, "password": password, "name": "sync"},
                                format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_the_database_keeps_only_a_digest_of_a_token(alice):
    token = _obtain()
    stored = ApiToken.objects.get(user=alice)
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
    row = " ".join(str(value) for value in ApiToken.objects.values_list().get())
    assert token not in row


def test_issuing_a_token_is_audited_without_the_token(alice):
    token = _obtain()
    entry = AuditEntry.objects.get(event=actions.API_TOKEN_ISSUED)
    stored = ApiToken.objects.get(user=alice)
    assert entry.actor == alice and entry.object_id == str(stored.pk)
    assert entry.after["prefix"] == token[:8] and entry.after["expires_at"]
    assert token not in str(entry.after) and token not in entry.object_repr


def test_a_token_works_until_its_lifetime_ends(alice, settings, monkeypatch):
    token = _obtain()
    assert _with(token).get(f"{API}/auth/tokens/").status_code == 200
    later = timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS, minutes=1)
    monkeypatch.setattr("shequ.core.authentication.timezone.now", lambda: later)
    assert _with(token).get(f"{API}/auth/tokens/").status_code == 401


def test_an_owner_revokes_her_token_and_it_is_refused_at_once(alice):
    token = _obtain()
    client = _with(token)
    (listed,) = client.get(f"{API}/auth/tokens/").json()["results"]
    assert listed["prefix"] == token[:8] and "digest" not in listed
    response = client.post(f"{API}/auth/tokens/{listed['id']}/revoke/")
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert _with(token).get(f"{API}/auth/tokens/").status_code == 401
    entry = AuditEntry.objects.get(event=actions.API_TOKEN_REVOKED)
    assert entry.actor == alice


def test_an_administrator_revokes_a_staff_members_token(admin, alice):
    token = _obtain()
    stored = ApiToken.objects.get(user=alice)
    client = APIClient()
    client.force_authenticate(admin)
    assert stored.pk in [t["id"] for t in client.get(f"{API}/auth/tokens/").json()["results"]]
    assert client.post(f"{API}/auth/tokens/{stored.pk}/revoke/").status_code == 200
    assert _with(token).get(f"{API}/auth/tokens/").status_code == 401
    assert AuditEntry.objects.get(event=actions.API_TOKEN_REVOKED).actor == admin


def test_another_staff_member_or_a_resident_cannot_see_or_revoke_a_token(alice, bob, resident):
    token = _obtain()
    stored = ApiToken.objects.get(user=alice)
    for other in (bob, resident):
        client = APIClient()
        client.force_authenticate(other)
        assert client.get(f"{API}/auth/tokens/").json()["results"] == []
        assert client.post(f"{API}/auth/tokens/{stored.pk}/revoke/").status_code == 404
    assert _with(token).get(f"{API}/auth/tokens/").status_code == 200


def test_a_token_of_a_deactivated_account_is_refused(alice):
    token = _obtain()
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert _with(token).get(f"{API}/auth/tokens/").status_code == 401


def test_a_token_for_someone_else_cannot_be_issued(admin, alice):
    with pytest.raises(NotFound):
        actions.issue_api_token(actor=admin, user=alice)
    assert not ApiToken.objects.exists()


class _SchemaEditor:
    """What the migration function uses of a schema editor, without opening one inside the test's transaction."""

    sql_delete_table = "DROP TABLE %(table)s"

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection

    def quote_name(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def execute(self, sql: str) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)


def test_plaintext_tokens_of_the_old_token_table_become_digests_and_the_table_goes(alice):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("shequ.core.migrations.0008_api_tokens")
    editor = _SchemaEditor()
    old_key = "0123456789abcdef0123456789abcdef01234567"
    editor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, user_id integer)")
    with editor.connection.cursor() as cursor:
        cursor.execute("INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                       [old_key, timezone.now(), alice.pk])
    migration.hash_drf_tokens(apps, editor)
    assert "authtoken_token" not in editor.connection.introspection.table_names()
    assert ApiToken.objects.get(user=alice).digest == hashlib.sha256(old_key.encode()).hexdigest()
    assert _with(old_key).get(f"{API}/auth/tokens/").status_code == 200


def test_staff_revoke_their_token_on_the_tokens_page(client, alice):
    token = _obtain()
    client.force_login(alice)
    page = client.get("/account/tokens/").content.decode()
    assert token[:8] in page and token not in page
    stored = ApiToken.objects.get(user=alice)
    assert client.post("/account/tokens/", {"revoke": "not-a-number"}).status_code == 404
    assert client.post("/account/tokens/", {"revoke": str(stored.pk)}).status_code == 302
    assert _with(token).get(f"{API}/auth/tokens/").status_code == 401
    assert AuditEntry.objects.filter(event=actions.API_TOKEN_REVOKED, actor=alice).exists()


def test_the_tokens_page_shows_no_one_elses_tokens_to_a_committee_worker(client, alice, bob):
    _obtain("alice")
    client.force_login(bob)
    assert "data-testid=\"api-token\"" not in client.get("/account/tokens/").content.decode()
    stored = ApiToken.objects.get(user=alice)
    assert client.post("/account/tokens/", {"revoke": str(stored.pk)}).status_code == 404
    assert ApiToken.objects.get(pk=stored.pk).revoked_at is None
