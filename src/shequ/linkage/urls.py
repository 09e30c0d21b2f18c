from django.urls import path

from shequ.linkage import views

app_name = "linkage"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("runs/start/", views.start_run, name="start_run"),
    path("runs/<int:pk>/", views.run_report, name="run_report"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review_pair, name="review_pair"),
    path("links/", views.link_list, name="link_list"),
    path("links/<int:pk>/unmerge/", views.unmerge, name="unmerge"),
]
