from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def video_list(request: HttpRequest) -> HttpResponse:
    return render(request, "media_library/video_list.html", {})
