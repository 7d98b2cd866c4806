"""Requests and responses checked against the bundled OpenAPI definition at run time
(openapi-core), so the code cannot drift from the contract.

Every request's parameters are validated; JSON bodies too. A packet body is not read here: it
is streamed into the database and checked row by row by the loader (its schema documents the
rows). Responses are validated as well; a response that breaks the contract is logged and
answered as a 500, so a drift shows up in tests and in the error-rate alarm, not in clients.
"""

from __future__ import annotations

import json
import logging
from functools import cached_property

from flask import Request, Response
from openapi_core import Config, OpenAPI
from openapi_core.contrib.flask import FlaskOpenAPIRequest, FlaskOpenAPIResponse
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.validation.request.exceptions import (
    MissingRequestBody,
    MissingRequiredRequestBody,
    ParameterValidationError,
)
from openapi_core.validation.request.validators import (
    V31RequestBodyValidator,
    V31RequestParametersValidator,
)
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue

from app_service.api.problems import ApiError
from app_service.api.spec import bundled

log = logging.getLogger(__name__)


def _chain(exc: BaseException | None):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def _pointer(path) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _describe(exc: Exception) -> list[dict]:
    """The fields at fault in one openapi-core error, as problem `errors` entries."""
    out: list[dict] = []
    param = exc if isinstance(exc, ParameterValidationError) else None
    for link in _chain(exc):
        if isinstance(link, InvalidSchemaValue):
            for err in link.schema_errors:
                entry = {"detail": getattr(err, "message", str(err))}
                if param is not None:
                    entry.update(parameter=param.name, **{"in": param.location})
                else:
                    entry["pointer"] = _pointer(getattr(err, "absolute_path", ()))
                out.append(entry)
            return out
    if param is not None:
        return [{"parameter": param.name, "in": param.location, "detail": str(exc)}]
    if isinstance(exc, MissingRequiredRequestBody):
        return [{"pointer": "", "detail": "a request body is required"}]
    cause = exc.__cause__
    return [{"pointer": "", "detail": str(cause or exc)}]


def _nul_characters(value, path: tuple = ()) -> list[dict]:
    """Strings holding U+0000, which PostgreSQL text cannot store: refused up front, by field."""
    if isinstance(value, str):
        return (
            [{"pointer": _pointer(path), "detail": "must not contain the NUL character"}]
            if "\x00" in value
            else []
        )
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in _nul_characters(v, (*path, k))]
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _nul_characters(v, (*path, i))]
    return []


class _RequestOfResponse(FlaskOpenAPIRequest):
    """The request as response validation sees it: it only finds the operation, so the body
    (perhaps too large, perhaps already streamed into the database) is never read again."""

    @property
    def body(self) -> bytes:
        return b""


class Contract:
    """The definition, loaded once, with the validators the app runs."""

    def __init__(self, document: dict | None = None):
        self.document = document or bundled()
        extra = {"application/problem+json": json.loads}
        self.openapi = OpenAPI.from_dict(
            self.document, config=Config(extra_media_type_deserializers=extra)
        )

    @cached_property
    def _params(self) -> V31RequestParametersValidator:
        return V31RequestParametersValidator(self.openapi.spec)

    @cached_property
    def _body(self) -> V31RequestBodyValidator:
        return V31RequestBodyValidator(self.openapi.spec)

    def operation(self, rule: str, method: str) -> dict | None:
        """The operation object for a Flask rule (`/v1/campaigns/<int:campaign_id>`)."""
        path = rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        item = self.document["paths"].get(path)
        return item.get(method.lower()) if item else None

    def check_request(self, request: Request, *, body: bool = True) -> None:
        """Raise a 400 naming every invalid parameter or body field, 415 for a media type the
        operation does not take."""
        if body and request.is_json and request.content_length:
            try:
                json.loads(request.get_data())
            except (ValueError, UnicodeDecodeError) as exc:
                reason = (
                    "is not valid UTF-8"
                    if isinstance(exc, UnicodeDecodeError)
                    else f"is not valid JSON ({exc})"
                )
                raise ApiError(
                    400, "Bad Request", f"the body {reason}",
                    errors=[{"pointer": "", "detail": f"the body {reason}"}],
                ) from None  # fmt: skip
        wrapped = FlaskOpenAPIRequest(request)
        errors: list[dict] = []
        validators = [self._params, self._body] if body else [self._params]
        for validator in validators:
            for exc in validator.iter_errors(wrapped):
                if isinstance(exc, PathError):
                    return  # not in the contract (Flask answers 404/405 itself)
                if isinstance(exc, MissingRequestBody):
                    continue  # an optional body left out
                if any(isinstance(link, MediaTypeNotFound) for link in _chain(exc)):
                    raise ApiError(
                        415,
                        "Unsupported Media Type",
                        f"Content-Type {request.mimetype or '(none)'} is not accepted here",
                    )
                errors.extend(_describe(exc))
        if len(errors) > 1:
            # JSON Schema reports unevaluatedProperties for every property of a subschema that
            # failed; the failing field itself is the useful error
            errors = [e for e in errors if "nevaluated properties" not in e["detail"]] or errors
        if not errors and body and request.is_json and request.content_length:
            errors = _nul_characters(request.get_json())
        if errors:
            first = errors[0]
            where = first.get("pointer") or first.get("parameter") or "/"
            raise ApiError(400, "Bad Request", f"{where}: {first['detail']}", errors=errors[:20])

    def response_errors(self, request: Request, response: Response) -> list[str]:
        """What is wrong with a response, by the contract (empty when it conforms)."""
        errors = list(
            self.openapi.iter_response_errors(
                _RequestOfResponse(request), FlaskOpenAPIResponse(response)
            )
        )
        if any(isinstance(e, PathError) for e in errors):
            return []
        return [
            f"{type(e).__name__}: {'; '.join(d['detail'] for d in _describe(e))}" for e in errors
        ]
