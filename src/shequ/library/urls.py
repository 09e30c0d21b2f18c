from django.urls import path

from shequ.library import views

app_name = "library"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("titles/<int:pk>/", views.title_detail, name="title_detail"),
    path("titles/<int:pk>/hold/", views.hold_place, name="hold_place"),
    path("titles/new/", views.title_create, name="title_create"),
    path("titles/<int:pk>/edit/", views.title_edit, name="title_edit"),
    path("titles/<int:pk>/copies/", views.copy_add, name="copy_add"),
    path("desk/", views.desk, name="desk"),
    path("desk/return/", views.desk_return, name="desk_return"),
    path("loans/", views.loan_list, name="loan_list"),
    path("loans/<int:pk>/renew/", views.loan_renew, name="loan_renew"),
    path("loans/<int:pk>/slip/", views.loan_slip, name="loan_slip"),
    path("holds/", views.hold_list, name="hold_list"),
    path("holds/<int:pk>/cancel/", views.hold_cancel, name="hold_cancel"),
    path("mine/", views.my_loans, name="my_loans"),
    path("import/", views.import_catalogue, name="import"),
    path("import/template/", views.import_template, name="import_template"),
]
