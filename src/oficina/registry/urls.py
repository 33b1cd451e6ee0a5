from django.urls import path

from oficina.registry import views

app_name = "registry"

urlpatterns = [
    path("verificar/", views.verify, name="verify"),
    path("verificar/<str:csv>/documento.pdf", views.verify_download, name="verify_download"),
    path("registro/<str:number>/justificante.pdf", views.receipt_download, name="receipt_download"),
]
