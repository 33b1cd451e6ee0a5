from django.urls import path

app_name = "appointments"

urlpatterns: list = []
