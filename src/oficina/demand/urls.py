from django.urls import include, path

from oficina.demand import views

app_name = "demand"

urlpatterns = [
    path("", views.demand, name="demand"),
    path("renovar/", views.renew, name="renew"),
    path("darde.pdf", views.darde, name="darde"),
    path("", include("oficina.demand.registration_urls")),  # alta/ : the guided registration
    path("", include("oficina.demand.situation_urls")),  # work situation, profile, timeline
    path("personal/", include("oficina.demand.staff_urls")),  # technicians
]
