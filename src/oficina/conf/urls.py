from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

admin.site.site_header = "Oficina Virtual — administración"

urlpatterns = [
    path("", include("oficina.core.urls")),
    path("cuenta/", include("oficina.accounts.urls")),
    path("personal/", include("oficina.accounts.staff_urls")),
    path("", include("oficina.registry.urls")),  # /verificar/ and receipts
    path("expediente/", include("oficina.casefile.urls")),
    path("citas/", include("oficina.appointments.urls")),
    path("demanda/", include("oficina.demand.urls")),
    path("atencion/", include("oficina.attention.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
