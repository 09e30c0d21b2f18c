"""Machine sign-in: ``POST auth/token/`` trades a user name and password for an API token, shown once;
``auth/tokens/`` lists the caller's tokens (an administrator also sees those of her staff) and revokes them.

Password guesses here count against the same limits as the sign-in page (:mod:`shequ.core.signin`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.core import actions, queries, signin
from shequ.core.models import ApiToken, User


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=200, style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="",
                                 help_text="what the token is for, to tell it apart when revoking")


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class ObtainTokenView(APIView):
    """POST user name and password, receive the token that machines send as ``Authorization: Token …``."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("IssuedToken", {"token": serializers.CharField(),
                                                          "expires_at": serializers.DateTimeField()}),
                   400: inline_serializer("TokenRefused", {"detail": serializers.CharField()}),
                   429: inline_serializer("TokenThrottled", {"detail": serializers.CharField()})},
    )
    def post(self, request: Request) -> Response:
        if is_ratelimited(request._request, group="api-token", key="ip", rate=settings.LOGIN_RATE,
                          method="POST", increment=True):
            raise exceptions.Throttled(60)
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        limiter = signin.SigninLimiter(signin.PASSWORD, form.validated_data["username"], request._request)
        wait = limiter.wait_seconds()
        if wait:
            raise exceptions.Throttled(wait)
        user = authenticate(request._request, username=form.validated_data["username"],
                            password=form.validated_data["password"])
        if not isinstance(user, User):
            limiter.failed()
            return Response({"detail": _("Unable to sign in with the user name and password given.")},
                            status=status.HTTP_400_BAD_REQUEST)
        limiter.succeeded()
        token, raw = actions.issue_api_token(actor=user, user=user, name=form.validated_data["name"])
        return Response({"token": raw, "expires_at": token.expires_at})


class ApiTokenListView(generics.ListAPIView[ApiToken]):
    """The caller's API tokens (only their first characters; the tokens themselves are not kept)."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return ApiToken.objects.none()
        return queries.api_tokens(self.request.user)  # type: ignore[arg-type]


class RevokeApiTokenView(APIView):
    """Revoke a token at once: the owner may, and an administrator over the owner's place."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={
        200: ApiTokenSerializer, 404: inline_serializer("TokenNotFound", {"detail": serializers.CharField()})})
    def post(self, request: Request, pk: int) -> Response:
        token = queries.api_tokens(request.user).filter(pk=pk).first()  # type: ignore[arg-type]
        if token is None:
            raise exceptions.NotFound()
        revoked = actions.revoke_api_token(actor=request.user, token=token)  # type: ignore[arg-type]
        return Response(ApiTokenSerializer(revoked).data)


urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/tokens/", ApiTokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<int:pk>/revoke/", RevokeApiTokenView.as_view(), name="api-token-revoke"),
]
