"""Public verification of sealed documents (/verificar/) and the citizen's receipt download.

The views parse the request, call one selector or check, render. No login for /verificar/: anyone holding
a document can check it (Ley 40/2015 art. 42). Lookups and PDF checks are rate limited per client IP.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from oficina.core import ratelimit
from oficina.core.downloads import attachment_response
from oficina.core.pdf.seal import validate_pdf
from oficina.registry import selectors
from oficina.registry.forms import UNKNOWN_CSV, CsvLookupForm, PdfCheckForm


def _allowed(request: HttpRequest, scope: str, limit: int) -> bool:
    return ratelimit.allow(scope, ratelimit.client_key(request), limit=limit,
                           window_seconds=settings.VERIFY_WINDOW_SECONDS)


def _rate_limited(request: HttpRequest) -> HttpResponse:
    minutes = max(1, settings.VERIFY_WINDOW_SECONDS // 60)
    response = render(request, "registry/rate_limited.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(settings.VERIFY_WINDOW_SECONDS)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """GET: the two forms; `?csv=` (typed, or from the QR code) looks a code up. POST: check a PDF."""
    lookup_form, check_form = CsvLookupForm(), PdfCheckForm()
    document = report = None
    if request.method == "GET" and "csv" in request.GET:
        if not _allowed(request, "verify_lookup", settings.VERIFY_LOOKUP_LIMIT):
            return _rate_limited(request)
        lookup_form = CsvLookupForm(request.GET)
        if lookup_form.is_valid():
            document = selectors.sealed_document_get_by_csv(lookup_form.cleaned_data["csv"])
            if document is None:
                lookup_form.add_error("csv", UNKNOWN_CSV)
                lookup_form._describe_fields()
    elif request.method == "POST":
        if not _allowed(request, "verify_upload", settings.VERIFY_UPLOAD_LIMIT):
            return _rate_limited(request)
        check_form = PdfCheckForm(request.POST, request.FILES)
        if check_form.is_valid():
            upload = check_form.cleaned_data["document"]
            report = validate_pdf(upload.read())
            if not report.is_pdf:
                check_form.add_error("document", report.summary)
                check_form._describe_fields()
                report = None
    return render(request, "registry/verify.html", {
        "lookup_form": lookup_form, "check_form": check_form, "document": document, "report": report,
    })


@never_cache
@require_GET
def verify_download(request: HttpRequest, csv: str) -> HttpResponse:
    """The original sealed PDF, byte for byte, as an attachment."""
    if not _allowed(request, "verify_lookup", settings.VERIFY_LOOKUP_LIMIT):
        return _rate_limited(request)
    document = selectors.sealed_document_get_by_csv(csv)
    if document is None:
        raise Http404
    return _pdf_response(request, document, f"{document.kind}-{document.csv}.pdf")


@never_cache
@login_required
@require_GET
def receipt_download(request: HttpRequest, number: str) -> FileResponse:
    """A registry entry's sealed receipt, for the person who submitted it (and staff)."""
    entry = selectors.registry_entry_get_for_user(user=request.user, number=number)
    if entry.receipt is None:
        raise Http404
    return _pdf_response(request, entry.receipt, f"justificante-{entry.number}.pdf")


def _pdf_response(request: HttpRequest, document, filename: str) -> FileResponse:
    return attachment_response(request, document.file, filename=filename)
