"""Admin for the services offered, weekly schedules and absences. Appointments are read only here:
they change through the services (audited), from the citizen's and the technician's pages."""

from __future__ import annotations

from django.contrib import admin

from oficina.appointments.models import Appointment, ScheduleException, Service, WeeklySchedule


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "duration_minutes", "allows_office", "allows_video", "requires_registry_entry",
                    "is_active")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(WeeklySchedule)
class WeeklyScheduleAdmin(admin.ModelAdmin):
    list_display = ("technician", "office", "weekday", "start_time", "end_time")
    list_filter = ("office", "weekday")
    filter_horizontal = ("services",)


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(admin.ModelAdmin):
    list_display = ("technician", "starts_at", "ends_at", "reason")


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("starts_at", "service", "mode", "status", "technician", "office")
    list_filter = ("status", "mode", "service")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
