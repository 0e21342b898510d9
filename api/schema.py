"""drf-spectacular hooks: what every operation may answer, whichever view it is."""

from __future__ import annotations

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def add_common_problems(result: dict, generator, request, public) -> dict:
    """Any request may carry a bad or revoked token (401) or exceed its rate (429,
    with Retry-After): both are problem details on every operation."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault(
                "401",
                {
                    "description": "The token is missing, wrong or revoked.",
                    "content": {"application/problem+json": {"schema": PROBLEM}},
                },
            )
            responses.setdefault(
                "429",
                {
                    "description": (
                        "This token's requests per minute are used up (without a token: "
                        "this address's)."
                    ),
                    "headers": {
                        "Retry-After": {
                            "description": "Seconds until the next minute's window.",
                            "schema": {"type": "integer"},
                        }
                    },
                    "content": {"application/problem+json": {"schema": PROBLEM}},
                },
            )
    return result
