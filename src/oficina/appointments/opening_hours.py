"""Office opening hours: the free text of `Office.opening_hours` read as weekday intervals.

Office-mode slots must fall inside the office's opening hours (a technician's schedule may be longer:
video calls, back-office work). The text is what administrators write, in Spanish, for example:

    L-V 9:00-14:00
    lunes a viernes de 9 a 14 h; jueves de 16:00 a 18:00
    L, X y V 8:30-14:30, M-J 9-14 y 16-18

Days: full names or one-letter codes (L M X J V S D), lists and ranges ("L-V", "lunes a jueves").
Times: "9", "9:00", "9.00", "9h"; ranges with "-", "–" or "a". Groups are separated by ";", "," or a
new line; a group with times but no days applies to the days before it. An empty text, or one that
cannot be read, means APPOINTMENT_DEFAULT_OPENING_HOURS (default Monday to Friday 9:00-14:00); an
unreadable one is logged.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import time

from django.conf import settings

logger = logging.getLogger(__name__)

OpeningHours = dict[int, list[tuple[time, time]]]  # weekday (0 Monday) → sorted, merged intervals

_DAYS = {
    "lunes": 0, "lun": 0, "lu": 0, "l": 0,
    "martes": 1, "mar": 1, "ma": 1, "m": 1,
    "miercoles": 2, "mie": 2, "mi": 2, "x": 2,
    "jueves": 3, "jue": 3, "ju": 3, "j": 3,
    "viernes": 4, "vie": 4, "vi": 4, "v": 4,
    "sabado": 5, "sab": 5, "sa": 5, "s": 5,
    "domingo": 6, "dom": 6, "do": 6, "d": 6,
}
_CLOCK = r"(\d{1,2})(?:[:.](\d{2}))?\s*(?:horas|h)?"
_RANGE = re.compile(rf"(?:de\s+|desde\s+)?{_CLOCK}\s*(?:-|a|hasta)\s*{_CLOCK}")
_DAY_WORD = re.compile(r"[a-z]+")
_FILLER = {"de", "del", "y", "e", "horario", "abierto", "atencion", "al", "publico", "los", "dias", "a", "h"}


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("–", "-").replace("—", "-")


def _clock(hours: str, minutes: str | None) -> time:
    return time(int(hours), int(minutes or 0))


def _day(word: str) -> int:
    if word not in _DAYS and word.endswith("s") and word[:-1] in _DAYS:  # "sábados", "jueves"
        word = word[:-1]
    if word not in _DAYS:
        raise ValueError(word)
    return _DAYS[word]


def _days(text: str) -> list[int]:
    """The weekdays named in `text` ("l-v", "lunes a jueves", "l, x y v")."""
    text = re.sub(r"\s*(?:-|\ba\b|\bal\b)\s*", "-", text.replace(":", " ").strip())  # "lunes a viernes" → "lunes-viernes"
    days: list[int] = []
    for part in re.split(r"[\s/]+", text):
        if not part:
            continue
        if "-" in part.strip("-"):
            first, _, last = part.strip("-").partition("-")
            day, end = _day(first), _day(last)
            days.append(day)
            while day != end:
                day = (day + 1) % 7
                days.append(day)
        else:
            word = part.strip("-")
            if word in _FILLER:
                continue
            days.append(_day(word))
    return days


def parse_opening_hours(text: str) -> OpeningHours:
    """Read `text` (see the module docstring); ValueError if any part of it cannot be read."""
    hours: OpeningHours = {}
    pending_days: list[int] = []
    last_days: list[int] = []
    for group in re.split(r"[;,\n]+", _plain(text)):
        group = group.strip(" .")
        if not group:
            continue
        ranges = list(_RANGE.finditer(group))
        day_text = group[: ranges[0].start()] if ranges else group
        between = _RANGE.sub(" ", group[ranges[0].start():]) if ranges else ""
        if any(w not in _FILLER for w in _DAY_WORD.findall(between)):
            raise ValueError(group)
        days = pending_days + _days(day_text)
        if not ranges:  # "l, x y v 9-14" split at the comma: the days wait for their times
            if not days:
                raise ValueError(group)
            pending_days = days
            continue
        pending_days = []
        days = days or last_days
        if not days:
            raise ValueError(group)
        last_days = days
        for match in ranges:
            opens, closes = _clock(*match.group(1, 2)), _clock(*match.group(3, 4))
            if opens >= closes:
                raise ValueError(match.group(0))
            for day in days:
                hours.setdefault(day, []).append((opens, closes))
    if pending_days or not hours:
        raise ValueError(text)
    return {day: _merged(intervals) for day, intervals in sorted(hours.items())}


def _merged(intervals: list[tuple[time, time]]) -> list[tuple[time, time]]:
    merged: list[tuple[time, time]] = []
    for opens, closes in sorted(intervals):
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
        else:
            merged.append((opens, closes))
    return merged


def office_opening_hours(text: str, *, office_label: str = "") -> OpeningHours:
    """The office's opening hours: its text if readable, else APPOINTMENT_DEFAULT_OPENING_HOURS."""
    if text.strip():
        try:
            return parse_opening_hours(text)
        except ValueError:
            logger.warning("Opening hours of office %s unreadable (%r): using the default", office_label, text)
    return parse_opening_hours(settings.APPOINTMENT_DEFAULT_OPENING_HOURS)
