from django.urls import path

from setia.sales.views import activities, bookings, drivers, figures, leads, order_imports, pipeline, quotes, renewals
from setia.sales.views import orders as views

app_name = "sales"

urlpatterns = [
    path("cashier/", views.cashier, name="cashier"),
    path("cashier/customers/", views.cashier_find_customer, name="cashier_customers"),
    path("cashier/products/", views.cashier_find_product, name="cashier_products"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/receipt/", views.order_receipt, name="order_receipt"),
    path("orders/<int:pk>/receipt/email/", views.order_receipt_email, name="order_receipt_email"),
    path("orders/<int:pk>/refund/", views.order_refund, name="order_refund"),
    path("trips/", bookings.trips, name="trips"),
    path("trips/new/", bookings.trip_new, name="trip_new"),
    path("trips/repeat/<int:customer_id>/", bookings.trip_repeat, name="trip_repeat"),
    path("trips/<int:pk>/<str:action>/", bookings.trip_action, name="trip_action"),
    path("appointments/", bookings.appointments, name="appointments"),
    path("appointments/new/", bookings.appointment_new, name="appointment_new"),
    path("appointments/customers/", bookings.appointment_customers, name="appointment_customers"),
    path("appointments/<int:pk>/<str:action>/", bookings.appointment_action, name="appointment_action"),
    path("settings/sales/", views.settings_view, name="settings"),
]

for _area in (leads, pipeline, quotes, renewals, activities, figures, order_imports, drivers):
    urlpatterns += _area.urlpatterns
