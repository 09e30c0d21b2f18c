"""What a device's identifier may be: any device's code, and a camera's GB/T 28181 device ID.

A device's code is its MQTT user name and a level of its topics (``<prefix>/<sub-district>/<code>/<channel>``)
and a line of the broker's password file (``<code>:<hash>``), so it may hold no topic wildcard (``+``, ``#``),
no level separator (``/``), no colon and nothing outside ASCII: letters, digits, ``.``, ``_`` and ``-``.

A camera's code is its 20-digit GB/T 28181 device ID, which the video platform registers it under:

====== ====== ==========================================================================
digits length meaning
====== ====== ==========================================================================
1–8    8      centre code: GB/T 2260 division (province 2, city 2, district 2) + 2 of the unit
9–10   2      industry code (00 public security roads, 01 public security …; any two digits)
11–13  3      type code: 111–130 front-end devices (111 DVR, 118 NVR), 131–199 peripherals
              (131 camera, 132 IP camera); 200 and up are platform servers and users
14–20  7      serial number
====== ====== ==========================================================================

Each check says which part is wrong, so a clerk fixing a spreadsheet row knows which digits to look at.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from shequ.core.errors import Invalid

CODE_MAX_LENGTH = 40
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_CODE_CHAR = re.compile(r"[A-Za-z0-9._-]")

# GB/T 2260 province-level codes (the first two digits of every division code).
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82",
})

# GB/T 28181-2016 Appendix D type codes a camera record may carry: recorders and encoders (front-end
# devices) and the cameras themselves (peripherals). Known ones are named in messages.
FRONT_END_TYPES = range(111, 131)
PERIPHERAL_TYPES = range(131, 200)
KNOWN_TYPES = {
    "111": "DVR", "112": "video server", "113": "encoder", "114": "decoder", "115": "video switching matrix",
    "116": "audio switching matrix", "117": "alarm controller", "118": "NVR", "130": "HVR",
    "131": "camera", "132": "IP camera", "133": "display", "134": "alarm input", "135": "alarm output",
    "136": "audio input", "137": "audio output", "138": "mobile transmission", "139": "other peripheral",
}


def validate_device_code(code: str, *, field: str = "code") -> str:
    """The code, stripped, if a device may use it in its topics and as its broker user name; else Invalid."""
    code = (code or "").strip()
    if not code:
        raise Invalid(_("A device ID is required."), field=field)
    if len(code) > CODE_MAX_LENGTH:
        raise Invalid(_("A device ID has at most %(max)d characters; this one has %(n)d.")
                      % {"max": CODE_MAX_LENGTH, "n": len(code)}, field=field)
    if not _CODE.fullmatch(code):
        bad = next((char for char in code if not _CODE_CHAR.fullmatch(char)), code[0])
        if bad in "/+#":
            message = _("A device ID may not contain “%(char)s”: it has a meaning in MQTT topics.")
        elif not bad.isascii() or not bad.isprintable() or bad.isspace():
            message = _("A device ID is plain letters and digits: “%(char)s” is not allowed.")
        elif code[0] == bad:
            message = _("A device ID starts with a letter or a digit, not “%(char)s”.")
        else:
            message = _("A device ID may hold only letters, digits, “.”, “_” and “-”, not “%(char)s”.")
        raise Invalid(message % {"char": bad if bad.isprintable() and not bad.isspace() else repr(bad)},
                      field=field)
    return code


def camera_type(code: str) -> str:
    """The English name of a GB/T 28181 type code, or the code itself when it has no name here."""
    return KNOWN_TYPES.get(code, code)


def validate_gb28181(device_id: str, *, field: str = "code") -> str:
    """A camera's 20-digit GB/T 28181 device ID, checked part by part; Invalid names the part that is wrong."""
    device_id = (device_id or "").strip()
    if not device_id.isascii() or not device_id.isdigit():
        raise Invalid(_("A camera's GB/T 28181 device ID is 20 digits, with nothing else in it."), field=field)
    if len(device_id) != 20:
        raise Invalid(_("A camera's GB/T 28181 device ID is 20 digits; this one has %(n)d.")
                      % {"n": len(device_id)}, field=field)
    province, city, district = device_id[0:2], device_id[2:4], device_id[4:6]
    if province not in PROVINCES:
        raise Invalid(_("Centre code (digits 1–8): %(province)s is not a GB/T 2260 province code, so %(centre)s "
                        "is not a real division.") % {"province": province, "centre": device_id[:8]}, field=field)
    if city == "00" and district != "00":
        raise Invalid(_("Centre code (digits 1–8): %(division)s names a district (%(district)s) without a city "
                        "(00).") % {"division": device_id[:6], "district": district}, field=field)
    type_code = device_id[10:13]
    number = int(type_code)
    if number not in FRONT_END_TYPES and number not in PERIPHERAL_TYPES:
        if 200 <= number < 500:
            message = _("Type code (digits 11–13): %(type)s is a platform server or user, not a camera or "
                        "recorder; cameras are 131 (camera) or 132 (IP camera), recorders 111 (DVR) or 118 (NVR).")
        else:
            message = _("Type code (digits 11–13): %(type)s is not a device type of GB/T 28181; cameras are 131 "
                        "(camera) or 132 (IP camera), recorders 111 (DVR) or 118 (NVR).")
        raise Invalid(message % {"type": type_code}, field=field)
    return device_id
