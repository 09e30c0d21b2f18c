from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import AnonRateThrottle


class TokenThrottle(AnonRateThrottle):
    rate = "10/min"


class ObtainTokenView(ObtainAuthToken):
    """POST user name and password, receive the token that machines send as ``Authorization: Token …``."""

    throttle_classes = [TokenThrottle]


urlpatterns = [path("auth/token/", ObtainTokenView.as_view(), name="api-token")]
