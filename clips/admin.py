from __future__ import annotations

from django.contrib import admin

from clips.models import Clip
from core.admin import RecordAdmin


@admin.register(Clip)
class ClipAdmin(RecordAdmin):
    list_display = ["__str__", "status", "progress", "attempts", "file_size", "created_at"]
    list_filter = ["status", "mode"]
    list_select_related = ["rendition", "rendition__video"]
    # error_detail (FFmpeg's or PyAV's words, server paths included) is shown here only.
    readonly_fields = ["error", "error_detail"]
