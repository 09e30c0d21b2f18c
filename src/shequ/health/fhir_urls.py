"""HL7 FHIR R4 at /fhir/R4/ (see ``fhir_api``): no trailing slashes, as FHIR clients send them."""

from django.urls import path, re_path

from shequ.health import fhir_api

urlpatterns = [
    path("", fhir_api.BundleView.as_view(), name="fhir-base"),
    path("metadata", fhir_api.MetadataView.as_view(), name="fhir-metadata"),
    re_path(r"^(?P<resource_type>[A-Za-z]+)/?$", fhir_api.SearchView.as_view(), name="fhir-search"),
    re_path(r"^(?P<resource_type>[A-Za-z]+)/(?P<resource_id>[A-Za-z0-9\-.]{1,64})$", fhir_api.ReadView.as_view(),
            name="fhir-read"),
]
