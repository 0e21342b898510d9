"""An S3-compatible HTTP server for the tests: moto's server, plus the presigned-URL checks
that real S3 makes and moto skips (expiry and signature of query-string authentication).

Run: python media_library/tests/s3_server.py PORT
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, unquote

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"


def _error(start_response, code: str, message: str) -> list[bytes]:
    body = f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    start_response("403 Forbidden", [("Content-Type", "application/xml")])
    return [body.encode()]


def expected_signature(*, method: str, host: str, path: str, raw_query: str) -> str:
    """What S3 computes: the query and path decoded, then canonicalised by the SigV4 rules
    (clients such as `requests` may re-quote a URL without changing its meaning)."""
    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    params = {
        k: v for k, v in parse_qsl(raw_query, keep_blank_values=True) if k != "X-Amz-Signature"
    }
    request = AWSRequest(
        method=method,
        url=f"http://{host}{quote(unquote(path), safe='/~')}",
        params=params,
        headers={"host": host},
    )
    auth = S3SigV4QueryAuth(
        Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION, expires=int(params["X-Amz-Expires"])
    )
    request.context["timestamp"] = params["X-Amz-Date"]
    string_to_sign = auth.string_to_sign(request, auth.canonical_request(request))
    return auth.signature(string_to_sign, request)


class PresignedUrlGuard:
    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        params = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        values = dict(params)
        if "X-Amz-Signature" in values:
            issued = datetime.strptime(values["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            if datetime.now(UTC) > issued + timedelta(seconds=int(values["X-Amz-Expires"])):
                return _error(start_response, "AccessDenied", "Request has expired")
            raw_path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or "").split("?")[0]
            signature = expected_signature(
                method=environ["REQUEST_METHOD"],
                host=environ["HTTP_HOST"],
                path=raw_path or environ["PATH_INFO"],
                raw_query=environ.get("QUERY_STRING", ""),
            )
            if signature != values["X-Amz-Signature"]:
                return _error(start_response, "SignatureDoesNotMatch", "Signature mismatch")
        return self.app(environ, start_response)


def main(port: int) -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import run_simple

    app = PresignedUrlGuard(DomainDispatcherApplication(create_backend_app))
    run_simple("127.0.0.1", port, app, threaded=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
