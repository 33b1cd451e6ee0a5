"""The citizen's own demand: what it is, renewing it inside the window, downloading the latest DARDE.

Every URL works on the signed-in citizen's demand (`selectors.demand_for_citizen`): nobody can name
someone else's demand or DARDE.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_POST

from oficina.accounts.permissions import citizen_required
from oficina.core.calendar import to_madrid
from oficina.core.downloads import attachment_response
from oficina.core.exceptions import ApplicationError
from oficina.demand.models import Demand
from oficina.demand.renewal import can_renew, format_date, renewal_window
from oficina.demand.selectors import demand_for_citizen
from oficina.demand.services import demand_renew


def _today() -> date:
    return to_madrid(timezone.now()).date()


def _render(request: HttpRequest, demand: Demand | None, *, error: str = "", status: int = 200) -> HttpResponse:
    context: dict = {"demand": demand, "error": error}
    if demand is not None:
        check = can_renew(demand, _today())
        context.update(check=check, window=check.window or renewal_window(demand))
    return render(request, "demand/demand.html", context, status=status)


@citizen_required
@never_cache
@require_GET
def demand(request: HttpRequest) -> HttpResponse:
    return _render(request, demand_for_citizen(request.user))


@citizen_required
@csrf_protect
@never_cache
@require_POST
def renew(request: HttpRequest) -> HttpResponse:
    current = demand_for_citizen(request.user)
    if current is None:
        raise Http404
    try:
        renewed = demand_renew(demand=current, actor=request.user)
    except ApplicationError as error:
        return _render(request, demand_for_citizen(request.user), error=error.message, status=400)
    messages.success(request, _("Hemos renovado su demanda. Su próxima fecha de renovación es el %(date)s.")
                     % {"date": format_date(renewed.next_renewal_date)})
    return redirect("demand:demand")


@citizen_required
@require_GET
def darde(request: HttpRequest) -> HttpResponse:
    current = demand_for_citizen(request.user)
    if current is None or current.latest_darde is None:
        raise Http404
    return attachment_response(request, current.latest_darde.file, filename=f"DARDE-{current.number}.pdf")
