"""Technicians' demand pages (included under /demanda/personal/)."""

from django.urls import path

from oficina.demand import staff_views as views

urlpatterns = [
    path("", views.find_citizen, name="staff_find"),
    path("<int:citizen_id>/", views.citizen_demand, name="staff_citizen"),
    path("<int:citizen_id>/renovar/", views.renew, name="staff_renew"),
    path("<int:citizen_id>/corregir/", views.correct, name="staff_correct"),
    path("<int:citizen_id>/inscribir/", views.register, name="staff_register"),
    path("<int:citizen_id>/historial/<int:event_id>/justificante.pdf", views.event_receipt,
         name="staff_event_receipt"),
    path("<int:citizen_id>/historial/<int:event_id>/darde.pdf", views.event_darde, name="staff_event_darde"),
]
