"""The demo's phone: the texts the demo delivered, for a visitor signing in as a resident. Demo mode only."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.demo.models import DemoText

SHOWN = 20


def texts(request: HttpRequest) -> HttpResponse:
    # Outside the demo the page does not exist: texts carry login codes.
    if not getattr(settings, "DEMO", False):
        raise Http404
    return render(request, "demo/texts.html", {"texts": DemoText.objects.all()[:SHOWN], "shown": SHOWN})
