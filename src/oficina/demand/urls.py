from django.urls import path

from oficina.demand import views

app_name = "demand"

urlpatterns = [
    path("", views.demand, name="demand"),
    path("renovar/", views.renew, name="renew"),
    path("darde.pdf", views.darde, name="darde"),
]
