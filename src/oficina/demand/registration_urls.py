"""The guided registration (alta), under /demanda/ (names in the `demand` namespace)."""

from django.urls import path

from oficina.demand import registration_views as views

urlpatterns = [
    path("alta/", views.start, name="registration_start"),
    path("alta/borrar/", views.discard, name="registration_discard"),
    path("alta/revision/", views.review, name="registration_review"),
    path("alta/enviada/", views.done, name="registration_done"),
    path("alta/<slug:slug>/", views.step, name="registration_step"),
]
