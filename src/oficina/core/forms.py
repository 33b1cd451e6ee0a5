"""Form helpers shared by every app's forms."""

from __future__ import annotations

from typing import Any


class DescribedFieldsMixin:
    """Links each input to its hint and error (`aria-describedby`) with the ids `includes/field.html` prints
    (Django's own guess, `<id>_helptext`, does not match that template)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._describe_fields()

    def _describe_fields(self) -> None:
        errors = self._errors or {}  # type: ignore[attr-defined]  # None until the form is cleaned
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            field_id = self[name].id_for_label  # type: ignore[index]
            ids = []
            if field.help_text:
                ids.append(f"{field_id}-hint")
            if name in errors:
                ids.append(f"{field_id}-error")
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
            else:
                field.widget.attrs.pop("aria-describedby", None)

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self._describe_fields()
