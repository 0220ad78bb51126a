from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {"ALLIANCE_NAME": settings.ALLIANCE_NAME}
