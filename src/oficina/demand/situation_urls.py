"""The citizen's work-situation pages and the demand's timeline (included under /demanda/)."""

from django.urls import path

from oficina.demand import situation_views as views

urlpatterns = [
    path("trabajo/inicio/", views.work_start, name="work_start"),
    path("trabajo/fin/", views.work_end, name="work_end"),
    path("suspension/", views.suspend, name="suspend"),
    path("reactivacion/", views.resume, name="resume"),
    path("baja/", views.voluntary_baja, name="voluntary_baja"),
    path("categoria/", views.change_category, name="change_category"),
    path("datos/", views.profile, name="profile"),
    path("historial/", views.timeline, name="timeline"),
    path("historial/<int:event_id>/", views.change_done, name="change_done"),
    path("historial/<int:event_id>/darde.pdf", views.event_darde, name="event_darde"),
]
