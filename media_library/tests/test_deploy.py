"""The shipped nginx site config (deploy/nginx/portal.conf) is valid nginx."""

from __future__ import annotations

import pytest

from core.testing.deploy import SHIPPED_SITE, ShippedNginx
from core.testing.services import require_executable


@pytest.mark.integration
def test_shipped_nginx_site_config_passes_nginx_t(tmp_path):
    binary = require_executable("nginx", hint="apt-get install -y nginx")
    site = SHIPPED_SITE.read_text()
    assert "internal;" in site and "location /protected/" in site
    nginx = ShippedNginx(
        binary=binary,
        prefix=tmp_path,
        upstream_port=8000,
        static_root=tmp_path / "static",
        media_root=tmp_path / "media",
    )

    result = nginx.check()

    assert result.returncode == 0, result.stderr
