"""`Authorization: Bearer mpk_…`: DRF's authentication by our tokens (api.tokens)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api import tokens


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        token = tokens.authenticate(value.strip())
        if token is None:
            raise exceptions.AuthenticationFailed(_("This API token is not valid."))
        return token.user, token

    def authenticate_header(self, request) -> str:
        # A 401 (not a 403) for a missing or bad token, with how to send one.
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "mpk_<prefix>_<secret>"}
