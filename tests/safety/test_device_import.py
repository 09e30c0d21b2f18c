"""Device import: a good file comes in whole, a file with bad rows brings nothing and names every bad row,
a hostile file fails with a clear message; the export writes the import's own columns."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from shequ.core.actions import PERSONAL_DATA_EXPORTED, run_next_task
from shequ.core.models import AuditEntry
from shequ.safety import importing
from shequ.safety.actions import devices as actions
from shequ.safety.choices import DeviceKind
from shequ.safety.models import Device
from tests.core import hostile_files
from tests.safety.conftest import CAMERA_ID

HEADERS = ["类型", "设备编号", "名称", "居民区", "小区", "楼号", "单元", "室号", "位置", "厂商", "型号", "支持密码",
           "心跳秒数", "安装日期"]
GOOD = [
    ["门禁", "door-hs-1-1", "华山小区1号楼1单元", "", "华山小区", "1号", "1单元", "", "", "海康威视", "DS-K1T",
     "是", "", "2026-05-01"],
    ["摄像机", CAMERA_ID, "华山小区东门", "", "华山小区", "", "", "", "东门", "Hikvision", "DS-2CD3T47", "否", "60",
     ""],
    ["无线接入点", "ap-hs-1", "居委会大厅", "华山居民区", "", "", "", "", "大厅", "", "", "", "", ""],
    ["smoke_alarm", "smoke-101", "1号101烟感", "", "华山小区", "1号", "", "101", "", "", "", "", "", ""],
]


def upload(rows, name="devices.xlsx"):
    return SimpleUploadedFile(name, hostile_files.workbook([HEADERS, *rows]))


def upload_and_run(client, file):
    """Post the file as a clerk does, let the worker run the task, and open the task page she is sent to."""
    response = client.post("/safety/devices/import/", {"file": file})
    assert response.status_code == 302, response.content
    task = run_next_task()
    assert task is not None and task.kind == "safety.import_devices" and task.status == "succeeded", task.error
    assert response["Location"] == f"/tasks/{task.pk}/"
    return client.get(response["Location"])


def test_a_good_file_is_imported_whole_in_the_background_and_audited(client, org, alice):
    client.force_login(alice)
    page = upload_and_run(client, upload(GOOD))
    assert page.context["result"]["ok"] and page.context["result"]["created"] == 4
    by_code = {device.code: device for device in Device.objects.all()}
    assert set(by_code) == {"door-hs-1-1", CAMERA_ID, "ap-hs-1", "smoke-101"}
    door = by_code["door-hs-1-1"]
    assert door.kind == DeviceKind.DOOR and door.accepts_pin and door.building.number == "1号"
    assert door.installed_on.isoformat() == "2026-05-01" and door.heartbeat_seconds == 300
    assert by_code[CAMERA_ID].heartbeat_seconds == 60 and by_code["ap-hs-1"].compound is None
    assert by_code["smoke-101"].dwelling == org.huashan_dwellings[0]
    imported = AuditEntry.objects.get(event=actions.DEVICES_IMPORTED)
    assert imported.after == {"devices": 4, "rows": 4} and imported.reason == "devices.xlsx"
    assert AuditEntry.objects.filter(event=actions.DEVICE_REGISTERED).count() == 4


def test_bad_rows_are_all_reported_by_row_and_nothing_is_written(client, org, alice):
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    rows = [GOOD[0],
            ["摄像机", "31010500002000000001", "坏编号", "", "华山小区", "", "", "", "", "", "", "", "", ""],
            ["门禁", "door-yy-1", "愚园", "", "愚园新村", "", "", "", "", "", "", "", "", ""],
            ["电梯", "lift-1", "电梯", "", "华山小区", "", "", "", "", "", "", "", "", ""],
            ["门禁", "door-hs-1-1", "重复", "", "华山小区", "", "", "", "", "", "", "", "", ""],
            ["门禁", "door-x", "日期", "", "华山小区", "", "", "", "", "", "", "", "", "May 1st"]]
    page = upload_and_run(client, upload(rows))
    result = page.context["result"]
    assert not result["ok"] and result["error_count"] == 5
    numbers = [number for number, _message in result["errors"]]
    assert numbers == [3, 4, 5, 6, 7]
    messages = dict(result["errors"])
    assert "Type code" in messages[3] and "愚园新村" in messages[4] and "电梯" in messages[5]
    assert "already registered" in messages[6] and "2026-05-01" in messages[7]
    assert "import-errors" in page.content.decode()
    assert not Device.objects.exists()
    assert not AuditEntry.objects.filter(event__in=[actions.DEVICES_IMPORTED, actions.DEVICE_REGISTERED]).exists()


def test_a_file_without_the_required_columns_says_which(client, alice):
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    file = SimpleUploadedFile("devices.xlsx", hostile_files.workbook([["名称"], ["x"]]))
    result = upload_and_run(client, file).context["result"]
    assert not result["ok"] and "类型" in result["message"] and "设备编号" in result["message"]


@pytest.mark.parametrize(("hostile", "message"), hostile_files.UPLOADS_AND_MESSAGES)
def test_a_hostile_file_fails_with_a_clear_message_and_imports_nothing(client, alice, hostile, message):
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    page = upload_and_run(client, SimpleUploadedFile("devices.xlsx", hostile([HEADERS, GOOD[0]])))
    result = page.context["result"]
    assert not result["ok"] and message in result["message"] and message in page.content.decode()
    assert not Device.objects.exists()


def test_police_may_not_import(client, police):
    client.force_login(police)
    assert client.get("/safety/devices/import/").status_code == 404


def test_the_export_has_the_import_columns_no_secret_and_is_audited(client, org, admin, door, camera):
    actions.issue_secret(actor=admin, device=door)
    door.refresh_from_db()
    client.force_login(admin)
    response = client.get("/safety/devices/export/", {"kind": "door"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == importing.export_headers() and rows[0][:len(importing.TEMPLATE_HEADERS)] == \
        importing.TEMPLATE_HEADERS
    assert [row[1] for row in rows[1:]] == ["door-hs-1-1"]
    assert door.secret_hash.encode() not in data and b"$7$" not in data
    exported = AuditEntry.objects.get(event=PERSONAL_DATA_EXPORTED)
    assert exported.after["what"] == "safety.device" and exported.after["rows"] == 1


def test_an_exported_file_imports_again(client, org, admin, door, camera):
    client.force_login(admin)
    data = b"".join(client.get("/safety/devices/export/").streaming_content)
    Device.objects.all().delete()
    result = upload_and_run(client, SimpleUploadedFile("devices.xlsx", data)).context["result"]
    assert result["ok"] and result["created"] == 2
    assert set(Device.objects.values_list("code", flat=True)) == {"door-hs-1-1", CAMERA_ID}
