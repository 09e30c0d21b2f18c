"""A terminal's token is kept only as a digest and stops working once the terminal is deactivated."""

import hashlib
import io

from django.core.management import call_command

from shequ.cards.models import Terminal
from shequ.core.models import AuditEntry


def test_only_a_digest_of_a_terminal_token_is_stored(till):
    terminal, token = till
    stored = Terminal.objects.get(pk=terminal.pk)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in " ".join(str(value) for value in Terminal.objects.filter(pk=terminal.pk).values_list().get())


def test_a_deactivated_terminals_token_is_refused_and_the_deactivation_audited(till, till_client, admin, card):
    terminal, _token = till
    assert till_client.get("/api/v1/terminal/card/", {"number": card.number}).status_code == 200
    call_command("deactivate_terminal", str(terminal.pk), "--as", admin.username, stdout=io.StringIO())
    assert till_client.get("/api/v1/terminal/card/", {"number": card.number}).status_code == 401
    assert AuditEntry.objects.filter(event="cards.terminal_deactivated", object_id=str(terminal.pk)).exists()
