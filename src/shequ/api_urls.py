"""Every app's REST routes under /api/v1/, on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from shequ.core.api import register as register_core
from shequ.library.api import register as register_library
from shequ.population.api import register as register_population
from shequ.volunteers.api import register as register_volunteers

router = DefaultRouter()
register_core(router)
register_population(router)
register_library(router)
register_volunteers(router)

urlpatterns = [
    path("", include(router.urls)),
    path("", include("shequ.core.api_auth_urls")),
]
