from django.urls import path

from shequ.sites.views import votes

app_name = "sites"
urlpatterns: list = [
    path("votes/", votes.vote_list, name="votes"),
    path("votes/new/", votes.vote_new, name="vote_new"),
    path("votes/<int:pk>/", votes.vote_detail, name="vote"),
    path("votes/<int:pk>/ballot/", votes.ballot, name="ballot"),
    path("votes/<int:pk>/result/", votes.result, name="result"),
    path("votes/<int:pk>/<str:step>/", votes.vote_step, name="vote_step"),
    path("roll/", votes.roll_import, name="roll"),
]
