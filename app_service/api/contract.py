"""Requests and responses checked against the bundled OpenAPI definition at run time, so the
code cannot drift from the contract.

At start-up every operation's parameters, request bodies and responses are compiled into
JSON Schema 2020-12 validators (jsonschema-rs: OpenAPI 3.1 schemas are JSON Schema); a request
then costs microseconds to check, not milliseconds. (openapi-core, tried first, re-resolved the
definition on every call: 3.4 ms of a 5 ms request, which missed the latency target.)

Every request's parameters are validated, and JSON bodies. A packet body is not read here: it
is streamed into the database and checked row by row by the loader (its schema documents the
rows). Responses are validated as well; one that breaks the contract is logged (where, not
what: values may be personal data) and answered as a 500, so a drift shows up in tests and in
the error-rate alarm rather than in clients.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs
from flask import Request, Response

from app_service import json_limits
from app_service.api.problems import ApiError
from app_service.api.spec import bundled

METHODS = ("get", "post", "put", "patch", "delete")
_SCHEMA_REF = "#/components/schemas/"


def _missing(error) -> str | None:
    """A missing required property is named by its own pointer (`/subject`), not its parent's,
    wherever the rule comes from (`required`, or an `if`/`then`)."""
    if type(error.kind).__name__ != "Required":
        return None
    name = str(getattr(error.kind, "property", "")).strip('"')
    return f"{_pointer(error.instance_path)}/{name}" if name else None


def _pointer(path) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


@dataclass(frozen=True)
class Param:
    name: str
    location: str  # path | query | header
    required: bool
    kind: str  # the schema's type: integer, string, ...
    validator: Any


@dataclass
class Operation:
    id: str
    raw: dict
    params: list[Param] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)  # media type -> validator (None: opaque)
    body_required: bool = False
    responses: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # status -> media -> validator

    def get(self, key: str, default=None):
        """The operation object's own fields (operationId, x-required-scope, ...)."""
        return self.raw.get(key, default)


class Contract:
    """The definition, compiled once per process."""

    def __init__(self, document: dict | None = None):
        self.document = document or bundled()
        self._components = self.document.get("components", {})
        self._operations: dict[tuple[str, str], Operation] = {}
        for path, item in self.document["paths"].items():
            shared = item.get("parameters", [])
            for method in METHODS:
                if method in item:
                    self._operations[(path, method)] = self._compile(item[method], shared)

    # --- compilation ------------------------------------------------------------------------

    def _resolve(self, node: dict) -> dict:
        while "$ref" in node:
            _, kind, name = node["$ref"].rsplit("/", 2)
            node = self._components[kind][name]
        return node

    def _validator(self, schema: dict):
        # the component schemas it reaches travel with each schema, so #/components/...
        # references resolve; only those: with all 90 in each of the ~650 validators, the
        # compiled definition held about 450 MB in every API process (bench/RESULTS.md)
        root = {**schema, "components": {"schemas": self._reached(schema)}}
        return jsonschema_rs.Draft202012Validator(root, validate_formats=True)

    def _reached(self, schema: dict) -> dict[str, dict]:
        """The component schemas `schema` references, directly or through one another."""
        schemas = self._components.get("schemas", {})
        names: set[str] = set()
        stack: list[Any] = [schema]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
                    name = ref.removeprefix(_SCHEMA_REF)
                    if name not in names:
                        names.add(name)
                        stack.append(schemas[name])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        return {name: schemas[name] for name in sorted(names)}

    def _compile(self, raw: dict, shared: list[dict]) -> Operation:
        op = Operation(raw["operationId"], raw)
        for p in [*shared, *raw.get("parameters", [])]:
            p = self._resolve(p)
            schema = p.get("schema", {})
            kind = (
                self._resolve(schema).get("type", "string")
                if "$ref" in schema
                else schema.get("type", "string")
            )
            op.params.append(
                Param(p["name"], p["in"], p.get("required", False), kind, self._validator(schema))
            )
        if "requestBody" in raw:
            body = self._resolve(raw["requestBody"])
            op.body_required = body.get("required", False)
            for media, spec in body.get("content", {}).items():
                op.body[media] = self._validator(spec["schema"]) if "json" in media else None
        for status, response in raw.get("responses", {}).items():
            response = self._resolve(response)
            op.responses[status] = {
                media: self._validator(spec["schema"])
                if "json" in media and "schema" in spec
                else None
                for media, spec in response.get("content", {}).items()
            }
        return op

    # --- lookup -----------------------------------------------------------------------------

    def operation(self, rule: str, method: str) -> Operation | None:
        """The operation of a Flask rule (`/v1/campaigns/<int:campaign_id>`), if documented."""
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)
        return self._operations.get((path, method.lower()))

    # --- requests ---------------------------------------------------------------------------

    def check_request(self, op: Operation, request: Request, *, body: bool = True) -> None:
        """Raise a 400 naming every invalid parameter or body field, 415 for a media type the
        operation does not take."""
        errors = self._unknown_query_errors(op, request) + self._parameter_errors(op, request)
        if body and op.body:
            errors += self._body_errors(op, request)
        if len(errors) > 1:
            # JSON Schema reports unevaluatedProperties for every property of a subschema that
            # failed; the failing field itself is the useful error
            errors = [e for e in errors if "nevaluated" not in e["detail"]] or errors
        if errors:
            first = errors[0]
            where = first.get("pointer") or first.get("parameter") or "/"
            raise ApiError(400, "Bad Request", f"{where}: {first['detail']}", errors=errors[:20])

    def _unknown_query_errors(self, op: Operation, request: Request) -> list[dict]:
        """A query parameter the operation does not define, or one given twice, is an error,
        never silently ignored (`?status=cancelled` on an operation without that filter would
        otherwise answer everything). Derived from the definition, so it holds for every
        operation that takes an API key; the links people open from messages (no key) are
        left alone, since mail clients and scanners append tracking parameters to them."""
        if op.get("x-required-scope") is None:
            return []
        known = {p.name for p in op.params if p.location == "query"}
        errors = []
        for name in dict.fromkeys(request.args.keys()):
            where = {"parameter": name[:100], "in": "query"}
            if name not in known:
                listed = ", ".join(sorted(known)) or "none"
                errors.append(
                    {
                        **where,
                        "detail": f"is not a parameter of this operation (it takes: {listed})",
                    }
                )
            elif len(request.args.getlist(name)) > 1:
                errors.append({**where, "detail": "is given more than once"})
        return errors

    def _parameter_errors(self, op: Operation, request: Request) -> list[dict]:
        errors: list[dict] = []
        for p in op.params:
            if p.location == "path":
                raw = (request.view_args or {}).get(p.name)
                raw = getattr(raw, "public", raw)  # an id: what the client sent
            elif p.location == "query":
                raw = request.args.get(p.name)
            else:
                raw = request.headers.get(p.name)
            where = {"parameter": p.name, "in": p.location}
            if raw is None:
                if p.required:
                    errors.append({**where, "detail": "is required"})
                continue
            value = raw
            if isinstance(raw, str) and "\x00" in raw:
                # PostgreSQL text cannot hold U+0000: refused here, not by the database
                errors.append({**where, "detail": "must not contain the NUL character"})
                continue
            if p.kind == "boolean" and isinstance(raw, str):
                if raw not in ("true", "false"):
                    errors.append({**where, "detail": f"{raw[:40]!r} is not true or false"})
                    continue
                value = raw == "true"
            if p.kind == "integer" and isinstance(raw, str):
                try:
                    value = int(raw)
                except ValueError:
                    errors.append({**where, "detail": f"{raw[:40]!r} is not an integer"})
                    continue
            errors += [{**where, "detail": e.message} for e in p.validator.iter_errors(value)]
        return errors

    def _body_errors(self, op: Operation, request: Request) -> list[dict]:
        data = request.get_data()
        if not data:
            if op.body_required:
                return [{"pointer": "", "detail": "a request body is required"}]
            return []
        if request.mimetype not in op.body:
            raise ApiError(
                415,
                "Unsupported Media Type",
                f"Content-Type {request.mimetype or '(none)'} is not accepted here; "
                f"send {' or '.join(op.body)}",
            )
        validator = op.body[request.mimetype]
        if validator is None:
            return []
        try:
            value = json_limits.loads(data)  # depth, number length, lone surrogates: checked
        except json_limits.JsonLimitError as exc:
            if exc.status == 413:
                raise ApiError(413, "Content Too Large", exc.reason) from None
            return [{"pointer": "", "detail": exc.reason}]
        except (ValueError, UnicodeDecodeError) as exc:
            reason = (
                "is not valid UTF-8"
                if isinstance(exc, UnicodeDecodeError)
                else f"is not valid JSON ({exc})"
            )
            return [{"pointer": "", "detail": f"the body {reason}"}]
        errors = [
            {"pointer": _missing(e) or _pointer(e.instance_path), "detail": e.message}
            for e in validator.iter_errors(value)
        ]
        return errors or _nul_characters(value)

    # --- responses --------------------------------------------------------------------------

    def response_errors(self, op: Operation, response: Response) -> list[dict]:
        """Where a response breaks the contract (empty when it conforms): the status, the
        media type, or the body's fields, as pointers and error kinds without values."""
        status = str(response.status_code)
        keys = (status, f"{status[0]}XX", "default")
        media = next((op.responses[k] for k in keys if k in op.responses), None)
        if media is None:
            return [{"pointer": "", "kind": f"status {status} is not documented"}]
        if not media:
            return []
        if response.mimetype not in media:
            return [{"pointer": "", "kind": f"media type {response.mimetype} is not documented"}]
        validator = media[response.mimetype]
        if validator is None:
            return []
        try:
            value = json.loads(response.get_data())
        except ValueError:
            return [{"pointer": "", "kind": "the body is not JSON"}]
        return [
            {"pointer": _pointer(e.instance_path), "kind": type(e.kind).__name__}
            for e in validator.iter_errors(value)
        ]


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
