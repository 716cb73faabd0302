from django.urls import path

from setia.catalog import views

app_name = "catalog"

urlpatterns = [
    path("catalog/", views.product_list, name="product_list"),
    path("catalog/new/", views.product_create, name="product_create"),
    path("catalog/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("catalog/<int:pk>/archive/", views.product_archive, name="product_archive"),
    path("catalog/categories/", views.category_list, name="category_list"),
    path("catalog/categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("catalog/categories/<int:pk>/archive/", views.category_archive, name="category_archive"),
]
