from django.urls import path

from shequ.cards import views

app_name = "cards"
urlpatterns = [
    path("", views.card_desk, name="desk"),
    path("mine/", views.my_card, name="mine"),
    path("issue/<int:person_pk>/", views.card_issue, name="issue"),
    path("<int:pk>/", views.card_detail, name="detail"),
    path("<int:pk>/top-up/", views.card_top_up, name="top_up"),
    path("<int:pk>/<slug:what>/", views.card_change, name="change"),
]
