"""Every app's REST routes under /api/v1/, on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from shequ.affairs.api import register as register_affairs
from shequ.cards.api import register as register_cards
from shequ.cards.api import terminal_urls as cards_terminal_urls
from shequ.charity.api import terminal_urls as charity_terminal_urls
from shequ.core.api import register as register_core
from shequ.culture.api import register as register_culture
from shequ.dining.api import register as register_dining
from shequ.dining.api import terminal_urls as dining_terminal_urls
from shequ.eldercare.api import register as register_eldercare
from shequ.library.api import register as register_library
from shequ.linkage.api import register as register_linkage
from shequ.population.api import register as register_population
from shequ.safety.api import register as register_safety
from shequ.safety.device_api import device_urls as safety_device_urls
from shequ.volunteers.api import register as register_volunteers

router = DefaultRouter()
register_core(router)
register_population(router)
register_affairs(router)
register_linkage(router)
register_cards(router)
register_dining(router)
register_library(router)
register_volunteers(router)
register_safety(router)
register_eldercare(router)
register_culture(router)

urlpatterns = [
    # The devices' own HTTP ingest, before the router: its paths must not be taken for a registry's detail.
    *safety_device_urls(),
    path("", include(router.urls)),
    path("", include("shequ.core.api_auth_urls")),
    *cards_terminal_urls(),
    *dining_terminal_urls(),
    *charity_terminal_urls(),
]
