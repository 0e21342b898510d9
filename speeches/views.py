from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def speech_list(request: HttpRequest) -> HttpResponse:
    return render(request, "speeches/speech_list.html", {})
