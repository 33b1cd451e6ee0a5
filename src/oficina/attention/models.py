"""Live attention: the virtual waiting room (tickets), technicians' presence, live sessions and their chat.

A ticket is a citizen's place in the queue of one service; calling it opens an AttentionSession between
the citizen and one technician. Everything said in the session's chat is a ChatMessage with a
per-session sequence number, written before it is delivered. When the session finishes, the session
itself is the attention record kept in the citizen's file (times, technician, mode, outcome, notes).
Written only by attention.services.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_session_token() -> str:
    return secrets.token_urlsafe(18)


class Presence(models.Model):
    """A technician's desk in the virtual office: online, paused or offline, and which services they attend."""

    class Status(models.TextChoices):
        ONLINE = "online", _("Disponible")
        PAUSED = "paused", _("En pausa")
        OFFLINE = "offline", _("Desconectado/a")

    technician = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presence")
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices, default=Status.OFFLINE)
    services = models.ManyToManyField("appointments.Service", related_name="+", blank=True,
                                      verbose_name=_("servicios que atiende"))
    changed_at = models.DateTimeField(_("último cambio"))

    class Meta:
        verbose_name = _("puesto de atención")
        verbose_name_plural = _("puestos de atención")

    def __str__(self) -> str:
        return f"{self.technician} ({self.status})"


class Ticket(models.Model):
    """A citizen's place in a service's waiting room (e.g. "V-017")."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("En espera")
        CALLED = "called", _("Llamado/a")
        IN_SESSION = "in_session", _("En atención")
        FINISHED = "finished", _("Atendido/a")
        LEFT = "left", _("Abandonó la sala")
        REMOVED = "removed", _("Retirado/a por no responder")

    #: Statuses of a ticket that still holds a place (one per citizen at most).
    ACTIVE_STATUSES = (Status.WAITING, Status.CALLED, Status.IN_SESSION)

    class Mode(models.TextChoices):
        VIDEO = "video", _("Vídeo")
        AUDIO = "audio", _("Solo audio")
        CHAT = "chat", _("Solo chat")

    number = models.CharField(_("número"), max_length=12)  # "V-017": service prefix + daily sequence
    day = models.DateField(_("día"))  # Europe/Madrid day the sequence belongs to
    sequence = models.PositiveIntegerField(_("secuencia"))
    service = models.ForeignKey("appointments.Service", on_delete=models.PROTECT, related_name="tickets",
                                verbose_name=_("servicio"))
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets",
                                verbose_name=_("ciudadano/a"))
    appointment = models.ForeignKey("appointments.Appointment", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="tickets", verbose_name=_("cita"))
    mode = models.CharField(_("modalidad"), max_length=10, choices=Mode.choices, default=Mode.VIDEO)
    status = models.CharField(_("estado"), max_length=12, choices=Status.choices, default=Status.WAITING)
    # Lower goes first: appointment holders at their time, then arrival order (see selectors/docs).
    priority = models.SmallIntegerField(_("prioridad"), default=100)
    created_at = models.DateTimeField(_("llegada"))
    # Place in the queue: arrival, moved behind the next citizen after a first unanswered call.
    queued_at = models.DateTimeField(_("en la cola desde"), default=timezone.now)
    called_at = models.DateTimeField(_("llamado/a"), null=True, blank=True)
    missed_calls = models.PositiveSmallIntegerField(_("llamadas sin respuesta"), default=0)
    last_seen_at = models.DateTimeField(_("última conexión"))  # for the reconnection grace period
    closed_at = models.DateTimeField(_("cerrado"), null=True, blank=True)
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("técnico/a"))

    class Meta:
        ordering = ["priority", "queued_at", "id"]
        verbose_name = _("turno")
        verbose_name_plural = _("turnos")
        constraints = [
            models.UniqueConstraint(fields=["service", "day", "sequence"], name="ticket_number_unique_per_day"),
            models.UniqueConstraint(fields=["citizen"], condition=models.Q(status__in=["waiting", "called",
                                                                                       "in_session"]),
                                    name="ticket_one_active_per_citizen"),
        ]
        indexes = [models.Index(fields=["service", "status", "priority", "queued_at"], name="ticket_queue_order")]

    def __str__(self) -> str:
        return self.number


class AttentionSession(models.Model):
    """One live attention between a citizen and a technician; once finished, the attention record."""

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resuelto")
        FOLLOW_UP = "follow_up", _("Requiere seguimiento")
        REFERRED = "referred", _("Derivado a otro servicio")
        NOT_RESOLVED = "not_resolved", _("No resuelto")
        INTERRUPTED = "interrupted", _("Interrumpido")

    token = models.CharField(max_length=40, unique=True, default=new_session_token, editable=False)
    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="session")
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="attention_sessions", verbose_name=_("ciudadano/a"))
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="attended_sessions", verbose_name=_("técnico/a"))
    service = models.ForeignKey("appointments.Service", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("servicio"))
    mode = models.CharField(_("modalidad"), max_length=10, choices=Ticket.Mode.choices)
    started_at = models.DateTimeField(_("inicio"))
    ended_at = models.DateTimeField(_("fin"), null=True, blank=True)
    last_seq = models.PositiveIntegerField(default=0, editable=False)  # last ChatMessage.seq handed out
    outcome = models.CharField(_("resultado"), max_length=20, choices=Outcome.choices, blank=True)
    notes = models.TextField(_("notas del técnico/a"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("atención en directo")
        verbose_name_plural = _("atenciones en directo")

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.started_at:%Y-%m-%d %H:%M}"


class ChatMessage(models.Model):
    """One message of a session's chat, numbered 1, 2, 3... per session; persisted before delivery."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Mensaje")
        SYSTEM = "system", _("Aviso")
        DOCUMENT_REQUEST = "document_request", _("Solicitud de documento")
        DOCUMENT = "document", _("Documento")

    session = models.ForeignKey(AttentionSession, on_delete=models.PROTECT, related_name="messages")
    seq = models.PositiveIntegerField()
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(max_length=2000)
    document = models.ForeignKey("casefile.Document", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    created_at = models.DateTimeField()
    # The sending browser's id for the message (a UUID): a message re-sent after a reconnect is not stored
    # twice (part "session", attention.chat). NULL for messages the server writes itself.
    client_id = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="chat_message_seq_unique"),
                       models.UniqueConstraint(fields=["session", "sender", "client_id"],
                                               name="chat_message_client_id_unique")]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq}"


class SatisfactionSurvey(models.Model):
    """The citizen's 1–5 rating of a finished session, with an optional comment."""

    session = models.OneToOneField(AttentionSession, on_delete=models.PROTECT, related_name="survey")
    rating = models.PositiveSmallIntegerField(_("valoración"))
    comment = models.TextField(_("comentario"), max_length=1000, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5),
                                              name="survey_rating_1_to_5")]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.rating}"
