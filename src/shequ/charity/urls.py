from django.urls import path

from shequ.charity import views

app_name = "charity"
urlpatterns = [
    path("", views.stock, name="stock"),
    path("items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/adjust/", views.item_adjust, name="item_adjust"),
    path("donations/", views.donation_list, name="donation_list"),
    path("donations/new/", views.donation_create, name="donation_create"),
    path("donations/<int:pk>/receipt/", views.donation_receipt, name="donation_receipt"),
    path("sales/", views.sale_list, name="sale_list"),
    path("sales/new/", views.sale_create, name="sale_create"),
    path("sales/void/", views.sale_void, name="sale_void"),
    path("allowances/", views.allowance_list, name="allowance_list"),
    path("allowances/<int:pk>/", views.allowance_detail, name="allowance_detail"),
    path("mine/", views.my_charity, name="mine"),
]
