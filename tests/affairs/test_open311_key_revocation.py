"""An Open311 api_key is kept only as a keyed digest and stops working once revoked."""

import io

import pytest
from django.core.management import CommandError, call_command

from shequ.affairs import actions
from shequ.affairs.models import Open311Key
from shequ.core.models import AuditEntry


def _post(client, key, centre):
    return client.post("/open311/v2/requests.json", {"api_key": key, "service_code": centre.repair.code,
                                                     "description": "楼道灯不亮", "address_string": "华山路1088弄1号"})


def test_a_revoked_open311_key_is_refused_and_the_revocation_audited(client, centre, admin):
    record, key = actions.create_open311_key(actor=admin, user=centre.clerk, name="城市App")
    assert key not in " ".join(str(v) for v in Open311Key.objects.filter(pk=record.pk).values_list().get())
    assert _post(client, key, centre).status_code == 200
    # "--" ends the options: a key may begin with "-", which would otherwise read as an option.
    call_command("revoke_open311_key", "--as", admin.username, "--", key[:6], stdout=io.StringIO())
    assert _post(client, key, centre).status_code == 403
    assert AuditEntry.objects.filter(event="affairs.open311_key_revoked", object_id=str(record.pk)).exists()


def test_only_an_administrator_may_revoke_a_key(centre, admin):
    _record, key = actions.create_open311_key(actor=admin, user=centre.clerk, name="城市App")
    with pytest.raises(CommandError):
        call_command("revoke_open311_key", "--as", centre.clerk.username, "--", key[:6], stdout=io.StringIO())
    assert Open311Key.objects.get().active
