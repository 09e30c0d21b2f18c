"""``Authorization: Token …`` for machines, checked against the stored digests of :class:`ApiToken`.

The header format is DRF's, so clients written for it keep working; the token is looked up by its digest,
and an expired or revoked token, or one whose user is inactive, is refused like an unknown one.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

if TYPE_CHECKING:
    from shequ.core.models import ApiToken

# last_used_at is written at most this often per token, so reads do not each write.
TOUCH_EVERY = dt.timedelta(minutes=5)


class TokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        # Imported here: DRF loads this class from settings while the models may still be loading.
        from shequ.core.actions import api_token_digest
        from shequ.core.models import ApiToken

        now = timezone.now()
        token = (ApiToken.objects.select_related("user")
                 .filter(digest=api_token_digest(key), revoked_at__isnull=True, expires_at__gt=now).first())
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
