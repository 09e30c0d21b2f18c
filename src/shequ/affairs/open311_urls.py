"""Open311 GeoReport v2 routes, mounted at /open311/v2/ (see shequ.affairs.open311)."""

from django.urls import re_path

from shequ.affairs import open311

FORMAT = r"\.(?P<fmt>xml|json)$"
urlpatterns = [
    re_path(r"^services" + FORMAT, open311.services, name="open311_services"),
    re_path(r"^services/(?P<code>[-a-zA-Z0-9_]{1,40})" + FORMAT, open311.service_definition,
            name="open311_service"),
    re_path(r"^requests" + FORMAT, open311.requests, name="open311_requests"),
    re_path(r"^requests/(?P<number>[0-9A-Za-z-]{1,30})" + FORMAT, open311.request_detail, name="open311_request"),
    re_path(r"^tokens/(?P<value>[-0-9A-Za-z]{1,40})" + FORMAT, open311.token, name="open311_token"),
]
