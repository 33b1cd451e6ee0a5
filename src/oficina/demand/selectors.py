"""Reads of the demand app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from oficina.demand.models import Demand, DemandEvent, Occupation
from oficina.demand.permissions import can_act_on_demand
from oficina.demand.search import words

if TYPE_CHECKING:
    from oficina.accounts.models import User

__all__ = ["demand_for_citizen", "demand_get_for_user", "demand_history", "occupations_search"]


def occupations_search(query: str, limit: int = 20) -> list[Occupation]:
    """CNO-11 occupations matching `query`: every word of the query (accents and case ignored) begins a
    word of the name, or the query is (the beginning of) a code. Names first by code order."""
    terms = words(query)
    if not terms or limit <= 0:
        return []
    by_words = Q()
    for term in terms:
        by_words &= Q(search_text__contains=f" {term}")
    condition = by_words
    if len(terms) == 1 and terms[0].isdigit():
        condition |= Q(code__startswith=terms[0])
    return list(Occupation.objects.filter(condition).order_by("code")[:limit])


def demand_for_citizen(citizen: User) -> Demand | None:
    return (Demand.objects.select_related("office", "latest_darde").prefetch_related("occupations")
            .filter(citizen=citizen).first())


def demand_get_for_user(*, user: User, pk: int) -> Demand:
    """The demand if `user` may see it; 404 for missing and forbidden alike."""
    demand = Demand.objects.select_related("office", "citizen", "latest_darde").filter(pk=pk).first()
    if demand is None or not can_act_on_demand(user, demand):
        raise Http404
    return demand


def demand_history(demand: Demand) -> QuerySet[DemandEvent]:
    """The timeline, oldest first."""
    return demand.events.select_related("actor", "registry_entry", "darde").order_by("at", "id")
