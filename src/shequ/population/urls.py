from django.urls import path

from shequ.population import views

app_name = "population"
urlpatterns = [
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/move/", views.person_move, name="person_move"),
    path("people/<int:pk>/move-out/", views.person_move_out, name="person_move_out"),
    path("people/<int:pk>/death/", views.person_death, name="person_death"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("people/<int:pk>/account/", views.person_create_account, name="person_create_account"),
    path("people/<int:pk>/permit/", views.permit_apply, name="permit_apply"),
    path("permits/", views.permit_list, name="permit_list"),
    path("permits/<int:pk>/issue/", views.permit_issue, name="permit_issue"),
    path("permits/<int:pk>/renew/", views.permit_renew, name="permit_renew"),
    path("dynamics/", views.dynamics, name="dynamics"),
    path("import/", views.import_people, name="import"),
    path("import/template/", views.import_template, name="import_template"),
]
