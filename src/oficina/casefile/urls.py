from django.urls import path

app_name = "casefile"

urlpatterns: list = []
