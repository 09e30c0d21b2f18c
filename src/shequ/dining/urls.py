from django.urls import path

from shequ.dining import views

app_name = "dining"
urlpatterns = [
    path("", views.canteen_list, name="canteen_list"),
    path("new/", views.canteen_create, name="canteen_create"),
    path("<int:pk>/menu/", views.menu_edit, name="menu"),
    path("<int:pk>/till/", views.till, name="till"),
    path("<int:pk>/till/void/", views.till_void, name="till_void"),
    path("<int:pk>/settlement/", views.settlement, name="settlement"),
]
