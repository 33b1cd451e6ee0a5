from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditRecord(models.Model):
    """One append-only, hash-chained line of the audit log. Written only by `core.audit.audit_record`.

    The actor and target are stored as plain values, not foreign keys: deleting a user or an object
    must never change (or cascade into) the log. Database triggers refuse UPDATE and DELETE.
    """

    class Result(models.TextChoices):
        SUCCESS = "success", _("correcto")
        FAILURE = "failure", _("fallido")

    created_at = models.DateTimeField(_("fecha y hora"), db_index=True)
    actor_id = models.BigIntegerField(_("usuario"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("usuario (texto)"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    event = models.CharField(_("evento"), max_length=80, db_index=True)
    result = models.CharField(_("resultado"), max_length=10, choices=Result.choices)
    target_type = models.CharField(_("tipo de objeto"), max_length=100, blank=True)
    target_id = models.CharField(_("objeto"), max_length=64, blank=True, db_index=True)
    target_label = models.CharField(_("objeto (texto)"), max_length=200, blank=True)
    details = models.JSONField(_("detalles"), default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    record_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("registro de auditoría")
        verbose_name_plural = _("registros de auditoría")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.event} {self.result}"
