from django.urls import path

from shequ.culture import views

app_name = "culture"
urlpatterns: list = [
    path("rooms/", views.rooms, name="rooms"),
    path("rooms/<int:pk>/book/", views.book, name="book"),
    path("bookings/mine/", views.mine, name="mine"),
    path("bookings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("desk/", views.desk, name="desk"),
    path("bookings/<int:pk>/decide/", views.decide, name="decide"),
    path("bookings/<int:pk>/check-in/", views.check_in, name="check_in"),
]
