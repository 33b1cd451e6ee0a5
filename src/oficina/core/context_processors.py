from django.conf import settings
from django.utils import timezone


def official_time(request):
    """The service's official date and time (Ley 39/2015 art. 31.2), shown on every page."""
    return {
        "official_now": timezone.localtime(),
        "service_name": settings.SERVICE_NAME,
        "organisation_name": settings.ORGANISATION_NAME,
    }
