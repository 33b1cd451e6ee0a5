from django.urls import path

from oficina.casefile import views

app_name = "casefile"

urlpatterns = [
    path("", views.casefile, name="file"),
    path("subir/", views.upload, name="upload"),
    path("indice.pdf", views.index, name="index"),
    path("documentos/<int:document_id>/nueva-version/", views.new_version, name="new_version"),
    path("documentos/<int:document_id>/version/<int:number>/", views.download, name="download"),
    path("registro/<str:number>/justificante/", views.receipt, name="receipt"),
    path("emitidos/<str:csv>/", views.issued_document, name="issued_document"),
    path("ciudadanos/<int:citizen_id>/", views.staff_file, name="staff_file"),
    path("ciudadanos/<int:citizen_id>/subir/", views.staff_upload, name="staff_upload"),
    path("ciudadanos/<int:citizen_id>/indice.pdf", views.staff_index, name="staff_index"),
    path("ciudadanos/<int:citizen_id>/documentos/<int:document_id>/nueva-version/", views.staff_new_version,
         name="staff_new_version"),
]
