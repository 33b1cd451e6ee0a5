from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "oficina.appointments"
    label = "appointments"
    verbose_name = "Cita previa"

    def ready(self) -> None:
        # The cached day lists (selectors.free_days_cached) are forgotten on any change that frees or
        # takes a slot or changes what the schedules offer.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from oficina.accounts.models import Role, User
        from oficina.appointments.models import (
            Appointment,
            ScheduleException,
            Service,
            WeeklySchedule,
        )
        from oficina.appointments.selectors import (
            availability_changed,
            schedules_changed,
        )
        from oficina.offices.models import LocalHoliday, Office

        for model, receiver in ((Appointment, availability_changed), (ScheduleException, schedules_changed),
                                (Service, schedules_changed), (WeeklySchedule, schedules_changed),
                                (LocalHoliday, schedules_changed), (Office, schedules_changed)):
            post_save.connect(receiver, sender=model, dispatch_uid=f"availability-save-{model.__name__}")
            post_delete.connect(receiver, sender=model, dispatch_uid=f"availability-delete-{model.__name__}")
        m2m_changed.connect(schedules_changed, sender=WeeklySchedule.services.through,
                            dispatch_uid="availability-m2m-schedule-services")

        def staff_changed(sender: type, instance: User, **kwargs: object) -> None:
            if instance.role != Role.CITIZEN:  # a technician's role, activity or office
                schedules_changed()

        post_save.connect(staff_changed, sender=User, dispatch_uid="availability-save-staff", weak=False)
        post_delete.connect(staff_changed, sender=User, dispatch_uid="availability-delete-staff", weak=False)
