"""The organisation's electronic seal on PDF documents (PAdES), and the check of a sealed PDF.

Configuration (settings, from the environment; see conf/base.py, "Registry and seal"):
- SEAL_PKCS12_PATH, SEAL_PKCS12_PASSWORD: the seal certificate and its key.
- SEAL_TRUST_ROOTS: PEM/DER files of the CA certificates that `validate_pdf` trusts.
- TSA_URL: an RFC 3161 time-stamp authority. With it, seals are PAdES B-T; without it, B-B.
- SEAL_LOCATION: the /Location of the signature.

The signer (the PKCS#12 read and decrypted) is cached per process, keyed by file, modification time and
password, so a replaced file is picked up and tests can point the settings elsewhere. Tests inject a
time-stamper with `set_timestamper_override` (see oficina.testing.seal).

pyHanko's sync functions call `asyncio.run`; `seal_pdf`/`validate_pdf` run them in a helper thread when
the calling thread already runs an event loop. Async code should await `async_seal_pdf` instead.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.utils.translation import gettext as _

from oficina.core.exceptions import ApplicationError

__all__ = [
    "PdfValidation",
    "SealNotConfigured",
    "async_seal_pdf",
    "clear_caches",
    "seal_pdf",
    "set_timestamper_override",
    "validate_pdf",
]

FIELD_NAME = "SelloOficinaVirtual"
_T = TypeVar("_T")


class SealNotConfigured(ApplicationError):
    code = "seal_not_configured"


class SealFailed(ApplicationError):
    code = "seal_failed"


# --- Configuration, cached per process ----------------------------------------------------------

_lock = threading.Lock()
_signer_cache: dict[tuple[str, int, str], Any] = {}
_roots_cache: dict[tuple[tuple[str, int], ...], list] = {}
_timestamper_cache: dict[tuple[str, int], Any] = {}
_timestamper_override: list[Any] = []  # [] = use TSA_URL; [None] = no time stamp; [ts] = that one


def set_timestamper_override(timestamper: Any | None, *, active: bool = True) -> None:
    """Tests: use `timestamper` (or none, if None) instead of TSA_URL; `active=False` restores TSA_URL."""
    _timestamper_override.clear()
    if active:
        _timestamper_override.append(timestamper)


def clear_caches() -> None:
    with _lock:
        _signer_cache.clear()
        _roots_cache.clear()
        _timestamper_cache.clear()


def _fast_signer(loaded):
    """The loaded SimpleSigner, as a subclass that keeps the private key parsed.

    pyHanko's SimpleSigner re-parses the key from DER on every signature, and `cryptography` checks an
    RSA key's consistency on every parse (~50 ms for 2048 bits): twice per seal, since pyHanko also signs
    once to size the signature. Here the key is parsed once per process, and that sizing run (dry_run)
    returns placeholder bytes of the right length instead of signing.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign import signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class CachedKeySigner(signers.SimpleSigner):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._private_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)

        def _is_rsa_pkcs1(self, digest_algorithm: str) -> bool:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            return isinstance(self._private_key, RSAPrivateKey) and mechanism.signature_algo == "rsassa_pkcs1v15"

        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
            if self._is_rsa_pkcs1(digest_algorithm):
                if dry_run:
                    return bytes(self._private_key.key_size // 8)
                return self._private_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            return self.sign_raw(data, digest_algorithm)  # other key types: pyHanko's own (slower) path

    return CachedKeySigner(
        signing_cert=loaded.signing_cert, signing_key=loaded.signing_key, cert_registry=loaded.cert_registry,
        signature_mechanism=loaded.signature_mechanism,
    )


def _signer():
    from pyhanko.sign import signers

    path = getattr(settings, "SEAL_PKCS12_PATH", "") or ""
    password = getattr(settings, "SEAL_PKCS12_PASSWORD", "") or ""
    if not path:
        raise SealNotConfigured(_("El sello electrónico no está configurado (SEAL_PKCS12_PATH)."))
    try:
        mtime = Path(path).stat().st_mtime_ns
    except OSError as error:
        raise SealNotConfigured(
            _("No se encuentra el certificado del sello electrónico: %(path)s") % {"path": path}
        ) from error
    key = (str(path), mtime, password)
    with _lock:
        signer = _signer_cache.get(key)
        if signer is None:
            signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=password.encode() or None)
            if signer is None:
                raise SealNotConfigured(
                    _("No se puede abrir el certificado del sello electrónico (¿contraseña incorrecta?).")
                )
            signer = _fast_signer(signer)
            _signer_cache.clear()
            _signer_cache[key] = signer
    return signer


def _trust_roots() -> list:
    from pyhanko.keys import load_certs_from_pemder

    paths = [str(p) for p in getattr(settings, "SEAL_TRUST_ROOTS", []) or []]
    key = tuple((p, Path(p).stat().st_mtime_ns if Path(p).exists() else 0) for p in paths)
    with _lock:
        roots = _roots_cache.get(key)
        if roots is None:
            roots = list(load_certs_from_pemder([p for p in paths if Path(p).exists()]))
            _roots_cache[key] = roots
    return roots


def _timestamper():
    """The TSA client, one per URL and process: it caches the dummy response pyHanko asks for to size the
    signature, so each later seal costs one time-stamp request instead of two."""
    if _timestamper_override:
        return _timestamper_override[0]
    url = getattr(settings, "TSA_URL", "") or ""
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    key = (url, getattr(settings, "TSA_TIMEOUT_SECONDS", 10))
    with _lock:
        stamper = _timestamper_cache.get(key)
        if stamper is None:
            stamper = HTTPTimeStamper(url, timeout=key[1])
            _timestamper_cache.clear()
            _timestamper_cache[key] = stamper
    return stamper


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    """asyncio.run, or asyncio.run in a helper thread when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


# --- Sealing ------------------------------------------------------------------------------------


def _signature_metadata(*, reason: str, location: str):
    from pyhanko.sign import fields, signers

    return signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,  # PAdES baseline: ETSI.CAdES.detached
        use_pades_lta=False,
    )


async def async_seal_pdf(pdf_bytes: bytes, *, reason: str, location: str | None = None) -> bytes:
    """Seal `pdf_bytes` with the organisation's seal: PAdES B-T with a time-stamper, B-B without."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signer = _signer()
    timestamper = _timestamper()
    metadata = _signature_metadata(
        reason=reason, location=location or getattr(settings, "SEAL_LOCATION", "")
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    output = BytesIO()
    try:
        await signers.async_sign_pdf(writer, metadata, signer=signer, timestamper=timestamper, output=output)
    except Exception as error:  # pyHanko raises many kinds (TSA unreachable, bad PDF, ...)
        raise SealFailed(_("No se ha podido sellar el documento.")) from error
    return output.getvalue()


def seal_pdf(pdf_bytes: bytes, *, reason: str, location: str | None = None) -> bytes:
    """Sync `async_seal_pdf` (for sync views and services)."""
    return _run(async_seal_pdf(pdf_bytes, reason=reason, location=location))


# --- Validation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfValidation:
    """What a PDF's (first) signature says, in terms a citizen can read (`summary`, `problems`)."""

    is_pdf: bool
    signed: bool
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    signer_name: str = ""
    signed_at: datetime | None = None
    timestamped: bool = False
    timestamp_valid: bool = False
    timestamp_at: datetime | None = None
    modified_after_signing: bool = False
    signature_count: int = 0
    summary: str = ""
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Intact, valid, trusted, and nothing added after the seal."""
        return self.signed and self.intact and self.valid and self.trusted and not self.modified_after_signing


def _validation_context(roots: list):
    from pyhanko_certvalidator import ValidationContext

    # Explicit roots only (never the OS TLS store), no network fetching; the demo CA has no CRL/OCSP.
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def _signer_name(status) -> str:
    try:
        subject = status.signing_cert.subject.native
    except Exception:  # noqa: BLE001  (a report must not fail on an odd certificate)
        return ""
    return subject.get("common_name") or subject.get("organization_name") or ""


async def async_validate_pdf(pdf_bytes: bytes) -> PdfValidation:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not pdf_bytes.lstrip()[:5] == b"%PDF-":
        return PdfValidation(is_pdf=False, signed=False, summary=_("El fichero no es un documento PDF."))
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_regular_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return PdfValidation(
            is_pdf=False, signed=False,
            summary=_("El fichero está dañado o no es un documento PDF que podamos leer."),
        )
    if not signatures:
        return PdfValidation(is_pdf=True, signed=False, summary=_("El documento no tiene ninguna firma ni sello electrónico."))

    context = _validation_context(_trust_roots())
    embedded = signatures[0]
    try:
        status = await async_validate_pdf_signature(embedded, signer_validation_context=context)
    except Exception:  # noqa: BLE001  (malformed signature dictionaries, broken CMS, ...)
        return PdfValidation(
            is_pdf=True, signed=True, signature_count=len(signatures),
            summary=_("El documento tiene una firma que no se puede comprobar: está dañada o alterada."),
            problems=(_("La firma está dañada o el documento se ha alterado."),),
        )

    ts = status.timestamp_validity
    modified = status.coverage != SignatureCoverageLevel.ENTIRE_FILE or (
        status.modification_level not in (None, ModificationLevel.NONE)
    )
    problems: list[str] = []
    if not status.intact:
        problems.append(_("El contenido no coincide con lo que se selló: el documento se ha alterado."))
    elif not status.valid:
        problems.append(_("La firma criptográfica no es válida."))
    if not status.trusted:
        problems.append(_("El certificado del sello no procede de una autoridad de confianza para esta sede."))
    if modified:
        problems.append(_("Se han añadido cambios al documento después de sellarlo."))
    if ts is not None and not (ts.intact and ts.valid):
        problems.append(_("El sello de tiempo no es válido."))
    result = PdfValidation(
        is_pdf=True,
        signed=True,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        signer_name=_signer_name(status),
        signed_at=ts.timestamp if ts is not None else status.signer_reported_dt,
        timestamped=ts is not None,
        timestamp_valid=bool(ts is not None and ts.intact and ts.valid),
        timestamp_at=ts.timestamp if ts is not None else None,
        modified_after_signing=modified,
        signature_count=len(signatures),
        problems=tuple(problems),
    )
    summary = (
        _("El documento es auténtico: el sello es válido, de confianza, y nada ha cambiado desde que se selló.")
        if result.ok
        else _("El documento NO se puede dar por válido.")
    )
    return PdfValidation(**{**result.__dict__, "summary": summary})


def validate_pdf(pdf_bytes: bytes) -> PdfValidation:
    """Check the first signature of `pdf_bytes` against SEAL_TRUST_ROOTS (no network access)."""
    return _run(async_validate_pdf(pdf_bytes))
