"""Pages of the personal file (expediente): the citizen's own, and staff's view of a citizen's file.

Citizen URLs work on the signed-in citizen; staff URLs name the citizen and go through
`selectors.citizen_get_for_user` (404 for missing and forbidden alike). Every staff page or download
writes an audit record (`services.citizen_file_access_record`). Uploads use CasefileUploadHandler,
which must be installed before anything reads request.POST, hence csrf_exempt outside and
csrf_protect inside.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oficina.accounts.models import User
from oficina.accounts.permissions import (
    citizen_required,
    complete_session_required,
    staff_required,
)
from oficina.casefile import selectors, services
from oficina.casefile.constants import FILE_FIELD
from oficina.casefile.exceptions import UploadRefused
from oficina.casefile.forms import DocumentUploadForm, NewVersionForm
from oficina.casefile.inspection import too_large
from oficina.casefile.models import Document
from oficina.casefile.upload_handlers import CasefileUploadHandler
from oficina.core.downloads import attachment_response


def _file_urls(citizen: User, *, staff: bool) -> dict[str, str]:
    if staff:
        return {
            "file": reverse("casefile:staff_file", args=[citizen.pk]),
            "upload": reverse("casefile:staff_upload", args=[citizen.pk]),
            "index": reverse("casefile:staff_index", args=[citizen.pk]),
        }
    return {"file": reverse("casefile:file"), "upload": reverse("casefile:upload"), "index": reverse("casefile:index")}


def _render_file(request: HttpRequest, citizen: User, *, staff: bool, form: DocumentUploadForm | None = None,
                 status: int = 200) -> HttpResponse:
    context = {
        "citizen": citizen,
        "staff_view": staff,
        "documents": selectors.casefile_documents(citizen=citizen),
        "entries": selectors.casefile_registry_entries(citizen=citizen),
        "issued": selectors.casefile_issued_documents(citizen=citizen),
        "form": form or DocumentUploadForm(),
        "urls": _file_urls(citizen, staff=staff),
        "max_bytes": settings.UPLOAD_MAX_BYTES,
        "notes": selectors.casefile_notes(citizen=citizen) if staff else None,
    }
    return render(request, "casefile/file.html", context, status=status)


def _install_upload_handler(request: HttpRequest) -> CasefileUploadHandler:
    handler = CasefileUploadHandler(request, max_bytes=settings.UPLOAD_MAX_BYTES)
    request.upload_handlers = [handler]
    return handler


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _uploaded(request: HttpRequest, version: Any, next_url: str) -> HttpResponse:
    messages.success(
        request,
        _("Hemos guardado «%(title)s» y registrado la entrada %(number)s. Puede descargar el justificante abajo.")
        % {"title": version.document.title, "number": version.registry_entry.number},
    )
    if _wants_json(request):
        return JsonResponse({"redirect": next_url})
    return redirect(next_url)


def _handle_upload(request: HttpRequest, form: Any, handler: CasefileUploadHandler, *, citizen: User,
                   document: Document | None) -> Any:
    """Validate the form and call the service; return the new version, or None with errors on the form."""
    if handler.too_large:
        form.add_error(FILE_FIELD, too_large(settings.UPLOAD_MAX_BYTES).message)
        return None
    if not form.is_valid():
        return None
    data = form.cleaned_data
    uploaded_file = data[FILE_FIELD]
    try:
        return services.document_upload(
            citizen=citizen, uploaded_by=request.user, uploaded_file=uploaded_file,
            doc_type=data.get("doc_type", ""), title=data.get("title", ""), document=document,
        )
    except UploadRefused as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return None
    finally:
        uploaded_file.close()


# --- Citizen ------------------------------------------------------------------------------------


@citizen_required
@never_cache
@require_GET
def casefile(request: HttpRequest) -> HttpResponse:
    return _render_file(request, request.user, staff=False)


@csrf_exempt
@citizen_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    handler = _install_upload_handler(request)
    return _upload(request, handler, citizen=request.user, staff=False)


@csrf_protect
@never_cache
def _upload(request: HttpRequest, handler: CasefileUploadHandler, *, citizen: User, staff: bool) -> HttpResponse:
    form = DocumentUploadForm(request.POST, request.FILES)
    version = _handle_upload(request, form, handler, citizen=citizen, document=None)
    if version is None:
        return _render_file(request, citizen, staff=staff, form=form)
    return _uploaded(request, version, _file_urls(citizen, staff=staff)["file"])


@csrf_exempt
@citizen_required
@require_http_methods(["GET", "POST"])
def new_version(request: HttpRequest, document_id: int) -> HttpResponse:
    handler = _install_upload_handler(request)
    document = selectors.document_get_for_user(user=request.user, document_id=document_id, citizen=request.user)
    return _new_version(request, handler, citizen=request.user, document=document, staff=False)


@csrf_protect
@never_cache
def _new_version(request: HttpRequest, handler: CasefileUploadHandler, *, citizen: User, document: Document,
                 staff: bool) -> HttpResponse:
    if request.method == "POST":
        form = NewVersionForm(request.POST, request.FILES)
        version = _handle_upload(request, form, handler, citizen=citizen, document=document)
        if version is not None:
            return _uploaded(request, version, _file_urls(citizen, staff=staff)["file"])
    else:
        form = NewVersionForm()
    action = (reverse("casefile:staff_new_version", args=[citizen.pk, document.pk]) if staff
              else reverse("casefile:new_version", args=[document.pk]))
    return render(request, "casefile/new_version.html", {
        "citizen": citizen, "document": document, "form": form, "action": action, "staff_view": staff,
        "back_url": _file_urls(citizen, staff=staff)["file"],
    })


@citizen_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    sealed = services.casefile_index_get_or_issue(citizen=request.user, actor=request.user)
    return _sealed_download(request, sealed, filename=f"indice-expediente-{sealed.csv}.pdf")


# --- Citizen and staff: downloads -----------------------------------------------------------------


def _attachment(request: HttpRequest, file: Any, *, filename: str, content_type: str) -> FileResponse:
    return attachment_response(request, file, filename=filename, content_type=content_type)


def _sealed_download(request: HttpRequest, sealed: Any, *, filename: str) -> FileResponse:
    return _attachment(request, sealed.file, filename=filename, content_type="application/pdf")


@complete_session_required
@require_GET
def download(request: HttpRequest, document_id: int, number: int) -> HttpResponse:
    version = selectors.document_version_get_for_user(user=request.user, document_id=document_id, number=number)
    services.citizen_file_access_record(actor=request.user, citizen=version.document.citizen, what="download",
                                        target=version)
    return _attachment(request, version.file, filename=version.original_name, content_type=version.content_type)


@complete_session_required
@require_GET
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    entry = selectors.registry_entry_get_for_user(user=request.user, number=number)
    if entry.receipt is None:
        raise Http404
    services.citizen_file_access_record(actor=request.user, citizen=entry.submitter, what="receipt", target=entry)
    return _sealed_download(request, entry.receipt, filename=f"justificante-{entry.number}.pdf")


@complete_session_required
@require_GET
def issued_document(request: HttpRequest, csv: str) -> HttpResponse:
    """A sealed document the office issued to the citizen (DARDE, index...), by its CSV."""
    document = selectors.issued_document_get_for_user(user=request.user, csv=csv)
    services.citizen_file_access_record(actor=request.user, citizen=document.owner, what="issued_document",
                                        target=document)
    return _sealed_download(request, document, filename=f"{document.kind}-{document.csv}.pdf")


# --- Staff --------------------------------------------------------------------------------------


@staff_required
@never_cache
@require_GET
def staff_file(request: HttpRequest, citizen_id: int) -> HttpResponse:
    citizen = selectors.citizen_get_for_user(user=request.user, citizen_id=citizen_id)
    services.citizen_file_access_record(actor=request.user, citizen=citizen, what="file")
    return _render_file(request, citizen, staff=True)


@csrf_exempt
@staff_required
@require_POST
def staff_upload(request: HttpRequest, citizen_id: int) -> HttpResponse:
    handler = _install_upload_handler(request)
    citizen = selectors.citizen_get_for_user(user=request.user, citizen_id=citizen_id)
    return _upload(request, handler, citizen=citizen, staff=True)


@csrf_exempt
@staff_required
@require_http_methods(["GET", "POST"])
def staff_new_version(request: HttpRequest, citizen_id: int, document_id: int) -> HttpResponse:
    handler = _install_upload_handler(request)
    citizen = selectors.citizen_get_for_user(user=request.user, citizen_id=citizen_id)
    document = selectors.document_get_for_user(user=request.user, document_id=document_id, citizen=citizen)
    return _new_version(request, handler, citizen=citizen, document=document, staff=True)


@staff_required
@require_GET
def staff_index(request: HttpRequest, citizen_id: int) -> HttpResponse:
    citizen = selectors.citizen_get_for_user(user=request.user, citizen_id=citizen_id)
    sealed = services.casefile_index_get_or_issue(citizen=citizen, actor=request.user)
    services.citizen_file_access_record(actor=request.user, citizen=citizen, what="index", target=sealed)
    return _sealed_download(request, sealed, filename=f"indice-expediente-{sealed.csv}.pdf")
