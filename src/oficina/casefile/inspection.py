"""What an uploaded file really is, decided from its content; and the checks that refuse it.

Allowed: PDF, JPEG and PNG, detected from the magic bytes (`filetype`), never from the name or the
browser's Content-Type. Refused, each with its own message: other types, a name whose extension says
another type, encrypted or unreadable PDFs, images over MAX_IMAGE_PIXELS (read from the header:
the image is never decoded, so a decompression bomb costs nothing), files over UPLOAD_MAX_BYTES.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pyhanko.pdf_utils.generic import DictionaryObject
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from oficina.casefile.constants import (
    DOWNLOAD_EXTENSION,
    EXTENSIONS,
    MAX_IMAGE_PIXELS,
    Format,
)
from oficina.casefile.exceptions import UploadRefused

HEADER_BYTES = 8192
HASH_CHUNK = 64 * 1024
MAX_NAME_LENGTH = 120
MAX_PDF_PAGES = 2000
_MIME_TO_FORMAT = {"application/pdf": Format.PDF, "image/jpeg": Format.JPEG, "image/png": Format.PNG}
_FORMAT_LABEL = {Format.PDF: "PDF", Format.JPEG: "JPEG", Format.PNG: "PNG"}
_RESERVED = re.compile(r'[<>:"/\\|?*]')


@dataclass(frozen=True)
class InspectedFile:
    format: Format
    name: str  # sanitised, ends with an extension that matches the content
    size: int
    sha256: str


def sanitise_filename(name: str) -> str:
    """The last path component, NFC, without control/format characters (bidi overrides included) or
    characters that mean something to a file system; accents and ñ stay. Never empty."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if ch.isspace() else ch for ch in name if unicodedata.category(ch)[0] != "C" or ch.isspace())
    name = _RESERVED.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 5:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH].rstrip(" .")
    return name or "documento"


def _extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def sha256_of(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while chunk := stream.read(HASH_CHUNK):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def detect_format(stream: IO[bytes]) -> Format | None:
    stream.seek(0)
    header = stream.read(HEADER_BYTES)
    stream.seek(0)
    kind = filetype.guess(header)
    return _MIME_TO_FORMAT.get(kind.mime) if kind is not None else None


def _check_pdf(stream: IO[bytes]) -> None:
    broken = UploadRefused(
        _("El PDF está dañado o incompleto y no se puede abrir. Vuelva a guardarlo o escanearlo y súbalo otra vez."),
        "pdf_broken",
    )
    stream.seek(0)
    try:
        reader = PdfFileReader(stream, strict=False)
        if reader.encrypted:
            raise UploadRefused(
                _("El PDF está protegido con contraseña o cifrado. Guárdelo sin protección y súbalo otra vez."),
                "pdf_encrypted",
            )
        _walk_pages(reader.root["/Pages"])
    except UploadRefused:
        raise
    except (PdfError, KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError):
        raise broken from None
    finally:
        stream.seek(0)


def _walk_pages(pages: Any) -> None:
    """Resolve the page tree (each node a dictionary, at least one page): a structural check that
    catches truncated files and broken cross-references without rendering anything."""
    count, stack, seen = 0, [pages], 0
    while stack:
        node = stack.pop()
        seen += 1
        if not isinstance(node, DictionaryObject) or seen > MAX_PDF_PAGES * 2:
            raise ValueError("bad page tree")
        if node.get("/Type") == "/Pages":
            stack.extend(kid.get_object() for kid in node["/Kids"])
        else:
            count += 1
    if count == 0:
        raise ValueError("no pages")


def _check_image(stream: IO[bytes], image_format: Format) -> None:
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream, formats=[_FORMAT_LABEL[image_format]]) as image:  # header only
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        width, height = MAX_IMAGE_PIXELS, 2  # Pillow's own limit is above ours: same answer
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadRefused(
            _("La imagen está dañada o incompleta y no se puede abrir. Vuelva a hacer la foto o el escaneo."),
            "image_broken",
        ) from None
    finally:
        stream.seek(0)
    if width * height > MAX_IMAGE_PIXELS:
        raise UploadRefused(
            _("La imagen es demasiado grande (%(megapixels)s megapíxeles; el máximo es %(limit)s). "
              "Redúzcala o escanee con menos resolución.")
            % {"megapixels": round(width * height / 1_000_000), "limit": MAX_IMAGE_PIXELS // 1_000_000},
            "image_too_many_pixels",
        )


def too_large(max_bytes: int) -> UploadRefused:
    return UploadRefused(
        _("El archivo es demasiado grande. El máximo es %(limit)s.") % {"limit": filesizeformat(max_bytes)},
        "too_large",
    )


def inspect_upload(stream: IO[bytes], *, name: str, size: int, max_bytes: int, sha256: str = "") -> InspectedFile:
    """Check one uploaded file (any seekable binary stream) and describe it, or raise UploadRefused."""
    if size > max_bytes:
        raise too_large(max_bytes)
    if size == 0:
        raise UploadRefused(_("El archivo está vacío. Elija otro archivo."), "empty")
    clean_name = sanitise_filename(name)
    detected = detect_format(stream)
    if detected is None:
        raise UploadRefused(
            _("Este tipo de archivo no se admite. Suba un PDF o una foto en JPEG o PNG."), "unsupported_type"
        )
    extension = _extension(clean_name)
    if extension and extension not in EXTENSIONS[detected]:
        raise UploadRefused(
            _("El nombre del archivo termina en «.%(extension)s», pero su contenido es un %(real)s. "
              "Compruebe que ha elegido el archivo correcto o cámbiele el nombre.")
            % {"extension": extension, "real": _FORMAT_LABEL[detected]},
            "extension_mismatch",
        )
    if not extension:
        clean_name = f"{clean_name[: MAX_NAME_LENGTH - 4]}.{DOWNLOAD_EXTENSION[detected]}"
    if detected == Format.PDF:
        _check_pdf(stream)
    else:
        _check_image(stream, detected)
    return InspectedFile(format=detected, name=clean_name, size=size, sha256=sha256 or sha256_of(stream))
