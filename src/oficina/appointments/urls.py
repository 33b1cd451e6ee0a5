from django.urls import path

from oficina.appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.appointment_list, name="list"),
    path("nueva/", views.book, name="book"),
    path("nueva/confirmar/", views.confirm, name="confirm"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/anular/", views.cancel, name="cancel"),
    path("<int:pk>/cambiar/", views.reschedule, name="reschedule"),
    path("<int:pk>/cambiar/confirmar/", views.reschedule_confirm, name="reschedule_confirm"),
    path("sala/<str:token>/", views.video_room, name="video_room"),
    path("agenda/", views.agenda, name="agenda"),
    path("agenda/<int:pk>/resultado/", views.record_outcome, name="record_outcome"),
    path("agenda/oficina/", views.office_agenda, name="office_agenda"),
    path("agenda/dar-cita/", views.staff_book, name="staff_book"),
    path("agenda/dar-cita/confirmar/", views.staff_confirm, name="staff_confirm"),
]
