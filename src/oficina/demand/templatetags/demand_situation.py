"""`{% situation_offers demand as offers %}`: the work-situation pages to offer on /demanda/ (offers.py)."""

from __future__ import annotations

from django import template

from oficina.demand.models import Demand
from oficina.demand.offers import SituationOffer
from oficina.demand.offers import situation_offers as _situation_offers

register = template.Library()


@register.simple_tag
def situation_offers(demand: Demand | None) -> list[SituationOffer]:
    return _situation_offers(demand)
