"""RFC 9457 problem details: every error response is application/problem+json."""

from __future__ import annotations

import json

from flask import Response

PROBLEM_TYPE_BASE = "https://reminderly.dev/problems/"


def problem(status: int, title: str, detail: str, **extra) -> Response:
    body = {"type": PROBLEM_TYPE_BASE + title.lower().replace(" ", "-"), "title": title,
            "status": status, "detail": detail, **extra}  # fmt: skip
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")
