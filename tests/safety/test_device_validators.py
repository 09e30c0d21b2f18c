"""Device IDs: a camera's GB/T 28181 ID part by part, and any device's code as MQTT and Mosquitto need it."""

from __future__ import annotations

import pytest

from shequ.core.errors import Invalid
from shequ.safety.validators import validate_device_code, validate_gb28181
from tests.safety.conftest import CAMERA_ID


@pytest.mark.parametrize("device_id", [CAMERA_ID, "31010500001310000002", "11000000001110000001",
                                       "44030500011180000123"])
def test_real_looking_camera_and_recorder_ids_pass(device_id: str) -> None:
    assert validate_gb28181(f" {device_id} ") == device_id


@pytest.mark.parametrize(("device_id", "part"), [
    ("3101050000132000000", "20 digits; this one has 19"),
    ("310105000013200000012", "20 digits; this one has 21"),
    ("3101050000132000000A", "nothing else"),
    ("９９０１０５００００１３２００００００１", "nothing else"),  # full-width digits
    ("99010500001320000001", "Centre code (digits 1–8): 99"),
    ("31000500001320000001", "without a city"),
    ("31010500002000000001", "Type code (digits 11–13): 200 is a platform server"),
    ("31010500001000000001", "Type code (digits 11–13): 100 is not a device type"),
])
def test_a_wrong_camera_id_names_the_part_that_is_wrong(device_id: str, part: str, settings) -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(Invalid) as raised:
        validate_gb28181(device_id)
    assert part in str(raised.value.message)
    assert raised.value.field == "code"


@pytest.mark.parametrize("code", ["door-hs-1-1", "AP_01", "a.b", "X" * 40, CAMERA_ID])
def test_topic_safe_codes_pass(code: str) -> None:
    assert validate_device_code(code) == code


@pytest.mark.parametrize(("code", "part"), [
    ("", "required"),
    ("door/1", "“/”"),
    ("door+1", "“+”"),
    ("door#", "“#”"),
    ("door:1", "“:”"),
    ("门禁1", "plain letters and digits"),
    ("door 1", "plain letters and digits"),
    ("-door", "starts with a letter or a digit"),
    ("$SYS", "starts with a letter or a digit"),
    ("X" * 41, "at most 40"),
])
def test_codes_that_would_break_topics_or_the_password_file_are_refused(code: str, part: str) -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(Invalid) as raised:
        validate_device_code(code)
    assert part in str(raised.value.message)
