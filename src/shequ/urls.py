from csp.decorators import csp_update
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("shequ.core.urls")),
    path("population/", include("shequ.population.urls")),
    path("health/", include("shequ.health.urls")),
    path("fhir/R4/", include("shequ.health.fhir_urls")),
    path("affairs/", include("shequ.affairs.urls")),
    path("open311/v2/", include("shequ.affairs.open311_urls")),
    path("linkage/", include("shequ.linkage.urls")),
    path("cards/", include("shequ.cards.urls")),
    path("dining/", include("shequ.dining.urls")),
    path("library/", include("shequ.library.urls")),
    path("charity/", include("shequ.charity.urls")),
    path("volunteers/", include("shequ.volunteers.urls")),
    path("safety/", include("shequ.safety.urls")),
    path("eldercare/", include("shequ.eldercare.urls")),
    path("sites/", include("shequ.sites.urls")),
    path("culture/", include("shequ.culture.urls")),
    path("dashboard/", include("shequ.dashboard.urls")),
    path("demo/", include("shequ.demo.urls")),
    path("", include("shequ.portal.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include("shequ.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI loads its start-up script from the same view (no inline script); its page keeps one inline
    # <style>, so this page alone may use inline styles.
    path("api/v1/docs/", csp_update({"style-src": ["'unsafe-inline'"]})(
        SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
]
