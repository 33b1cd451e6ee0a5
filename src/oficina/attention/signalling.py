"""WebRTC signalling inside a live session: what a `signal` message may carry, and how fast.

Signalling is relayed, never stored: the session consumer checks membership (the socket belongs to the
session's citizen or technician), then asks `signal_clean` whether the message has a known shape, and a
per-connection `RateLimiter` whether it comes too fast; the cleaned copy goes to the other participant
only. Nothing is written and nothing is audited (the session itself is).

Kinds (all `{"kind": ..., ...}`):
- `offer` / `answer`: `{"sdp": "v=0..."}` (the technician offers, the citizen answers);
- `ice`: `{"candidate": {"candidate": "candidate:..." or "", "sdpMid", "sdpMLineIndex", "usernameFragment"}}`;
- `restart`: ask the offerer for an ICE restart (after a network change on the other side);
- `hangup`: the video/audio call is left (the chat goes on);
- `media`: `{"audio": bool, "video": bool, "mode": "video"|"audio"|"chat"}` (toggles, shown to the other side).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from oficina.core.exceptions import ApplicationError

__all__ = [
    "MAX_SIGNAL_BYTES",
    "RateLimiter",
    "SIGNAL_KINDS",
    "SignalRefused",
    "signal_clean",
]

MAX_SIGNAL_BYTES = 64 * 1024  # an SDP with a few media sections is 3–10 KB
MAX_CANDIDATE_CHARS = 1024
SIGNAL_KINDS = frozenset({"offer", "answer", "ice", "restart", "hangup", "media"})
MEDIA_MODES = frozenset({"video", "audio", "chat"})


class SignalRefused(ApplicationError):
    code = "bad_signal"


def _refuse(message: str, code: str = "bad_signal") -> SignalRefused:
    return SignalRefused(message, code)


def _only(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise _refuse(_("El mensaje de señalización tiene campos desconocidos."))


def _clean_sdp(data: dict[str, Any]) -> dict[str, Any]:
    _only(data, {"kind", "sdp"})
    sdp = data.get("sdp")
    if not isinstance(sdp, str) or not sdp.startswith("v=0") or len(sdp) > MAX_SIGNAL_BYTES:
        raise _refuse(_("La descripción de la llamada no es válida."))
    return {"kind": data["kind"], "sdp": sdp}


def _optional_str(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise _refuse(_("El candidato de conexión no es válido."))
    return value


def _clean_ice(data: dict[str, Any]) -> dict[str, Any]:
    _only(data, {"kind", "candidate"})
    candidate = data.get("candidate")
    if not isinstance(candidate, dict) or set(candidate) - {"candidate", "sdpMid", "sdpMLineIndex",
                                                            "usernameFragment"}:
        raise _refuse(_("El candidato de conexión no es válido."))
    line = candidate.get("candidate")
    # "" is the end-of-candidates marker; anything else is an SDP candidate attribute.
    if not isinstance(line, str) or len(line) > MAX_CANDIDATE_CHARS or (line and not line.startswith("candidate:")):
        raise _refuse(_("El candidato de conexión no es válido."))
    index = candidate.get("sdpMLineIndex")
    if index is not None and (not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 64):
        raise _refuse(_("El candidato de conexión no es válido."))
    return {"kind": "ice", "candidate": {
        "candidate": line,
        "sdpMid": _optional_str(candidate.get("sdpMid"), 64),
        "sdpMLineIndex": index,
        "usernameFragment": _optional_str(candidate.get("usernameFragment"), 256),
    }}


def _clean_media(data: dict[str, Any]) -> dict[str, Any]:
    _only(data, {"kind", "audio", "video", "mode"})
    cleaned: dict[str, Any] = {"kind": "media"}
    for name in ("audio", "video"):
        if name in data:
            if not isinstance(data[name], bool):
                raise _refuse(_("El estado de cámara o micrófono no es válido."))
            cleaned[name] = data[name]
    if "mode" in data:
        if data["mode"] not in MEDIA_MODES:
            raise _refuse(_("La modalidad de la llamada no es válida."))
        cleaned["mode"] = data["mode"]
    return cleaned


def signal_clean(data: Any) -> dict[str, Any]:
    """A copy of `data` with only known fields, or SignalRefused (code `bad_signal` / `too_large`)."""
    if not isinstance(data, dict):
        raise _refuse(_("El mensaje de señalización no es válido."))
    if len(json.dumps(data, separators=(",", ":"))) > MAX_SIGNAL_BYTES:
        raise _refuse(_("El mensaje de señalización es demasiado grande."), "too_large")
    kind = data.get("kind")
    if kind not in SIGNAL_KINDS:
        raise _refuse(_("Tipo de mensaje de señalización desconocido."))
    if kind in ("offer", "answer"):
        return _clean_sdp(data)
    if kind == "ice":
        return _clean_ice(data)
    if kind == "media":
        return _clean_media(data)
    _only(data, {"kind"})
    return {"kind": kind}


@dataclass
class RateLimiter:
    """Token bucket for one connection: up to `burst` messages at once, then `per_second` on average.

    ICE gathering sends a burst of candidates at the start of a call (and after a restart); a client
    looping on offers is cut off after the burst."""

    burst: float = 50
    per_second: float = 20
    clock: Any = time.monotonic
    _tokens: float = field(init=False)
    _last: float = field(init=False)

    def __post_init__(self) -> None:
        self._tokens = float(self.burst)
        self._last = self.clock()

    def allow(self) -> bool:
        now = self.clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.per_second)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False
