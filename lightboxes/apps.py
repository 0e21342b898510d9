from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LightboxesConfig(AppConfig):
    name = "lightboxes"
    verbose_name = _("Collections")
