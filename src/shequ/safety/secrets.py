"""Each device's own secret, for MQTT and HTTP alike: issued once, kept only as a hash.

The hash is in Mosquitto's password-file format (``$7$<iterations>$<salt>$<PBKDF2-HMAC-SHA512>``), so the
platform can write the broker's password file from the registry and check the HTTP ingest's secrets itself
with the same row. The secret is 32 random bytes, so its hash needs no work factor: the iteration count
defends a password a person chose, and no person chooses this one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ITERATIONS = 1000
SALT_BYTES = 12


def new_secret() -> str:
    """A fresh secret to show once: 43 URL-safe characters."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def matches(secret: str, stored: str) -> bool:
    """Whether ``secret`` is the one ``stored`` was made from; False for anything malformed."""
    try:
        _empty, version, iterations, salt, digest = stored.split("$")
        if version != "7":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.pbkdf2_hmac("sha512", secret.encode(), base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
