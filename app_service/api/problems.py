"""RFC 9457 problem details: every error response is application/problem+json."""

from __future__ import annotations

import json

from flask import Response, g, has_request_context

from app_service.public_ids import Ref

PROBLEM_TYPE_BASE = "https://reminderly.dev/problems/"


def problem(status: int, title: str, detail: str, **extra) -> Response:
    body = {
        "type": PROBLEM_TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if has_request_context() and getattr(g, "request_id", None):
        body["request_id"] = g.request_id
    headers = extra.pop("headers", None)
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(
        json.dumps(body), status=status, mimetype="application/problem+json", headers=headers
    )


class ApiError(Exception):
    """Raised by a view or a hook; answered as a problem response."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
        **extra,
    ):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.headers, self.extra = errors, headers, extra

    def response(self) -> Response:
        return problem(
            self.status,
            self.title,
            self.detail,
            errors=self.errors,
            headers=self.headers,
            **self.extra,
        )


def bad_field(pointer: str, reason: str) -> ApiError:
    """A 400 naming one body field by its JSON pointer."""
    return ApiError(
        400,
        "Bad Request",
        f"{pointer or '/'}: {reason}",
        errors=[{"pointer": pointer, "detail": reason}],
    )


def unprocessable_template(reason: str, pointer: str | None = None) -> ApiError:
    """A 422: the template (in the body at `pointer`, or stored) parses but cannot be rendered
    (its own error, a sandbox limit, the render timeout). errors[] names the field `template`."""
    entry = {"field": "template", "detail": reason, **({"pointer": pointer} if pointer else {})}
    where = pointer or "template"
    return ApiError(422, "Unprocessable Content", f"{where}: {reason}", errors=[entry])


def not_found(what: str, ident: int) -> ApiError:
    """`ident` as the client wrote it (a public id's Ref), never a row id. A number that is
    no public id at all (Ref to row 0: `/v1/campaigns/3`) is named in words the response's id
    translation leaves alone: "campaign 3" would be read as row 3 and answered with row 3's
    public id, letting any key map sequence values to public ids and count rows."""
    if isinstance(ident, Ref) and int(ident) == 0:
        return ApiError(404, "Not Found", f"{what} with the id {ident.public} does not exist")
    return ApiError(404, "Not Found", f"{what} {getattr(ident, 'public', ident)} does not exist")


def conflict(detail: str) -> ApiError:
    return ApiError(409, "Conflict", detail)
