"""Routes come from the OpenAPI definition, not from hand-written lists: every operation in
openapi/ is served by the view registered under its operationId, at the path and method the
definition gives it. A documented operation without a view, or a view for no documented
operation, stops the app at start-up instead of answering 404 in production."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from flask import Flask

METHODS = ("get", "put", "post", "delete", "patch")
_VIEWS: dict[str, Callable[..., Any]] = {}


class RoutingError(RuntimeError):
    """The definition and the views disagree."""


def operation(operation_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a module-level view as the one that serves `operation_id`."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        known = _VIEWS.get(operation_id)
        if known is not None and known is not view:
            raise RoutingError(f"two views for operation {operation_id}")
        _VIEWS[operation_id] = view
        return view

    return register


def _parameter(document: dict, param: dict) -> dict:
    ref = param.get("$ref")
    if ref:
        return document["components"]["parameters"][ref.rsplit("/", 1)[-1]]
    return param


def _flask_rule(document: dict, path: str, params: list[dict]) -> str:
    """`/v1/campaigns/{campaign_id}` -> `/v1/campaigns/<id:campaign_id>`: a parameter whose
    schema is the public Id is read by the `id` converter, anything else as a string."""
    rule = path
    for raw in params:
        param = _parameter(document, raw)
        if param.get("in") != "path":
            continue
        name = param["name"]
        is_id = param.get("schema", {}).get("$ref", "").endswith("/Id")
        rule = rule.replace("{" + name + "}", f"<id:{name}>" if is_id else f"<{name}>")
    if "{" in rule:
        raise RoutingError(f"{path}: a path parameter is not declared")
    return rule


def load_views(package: str) -> None:
    """Import every module of `package`, so their @operation views are registered."""
    for found in pkgutil.iter_modules(importlib.import_module(package).__path__):
        importlib.import_module(f"{package}.{found.name}")


def install(app: Flask, document: dict) -> None:
    """Add a URL rule per documented operation, endpoint = its operationId."""
    routed: set[str] = set()
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            operation_id = op["operationId"]
            view = _VIEWS.get(operation_id)
            if view is None:
                raise RoutingError(f"no view serves {method.upper()} {path} ({operation_id})")
            rule = _flask_rule(document, path, [*shared, *op.get("parameters", [])])
            app.add_url_rule(rule, endpoint=operation_id, view_func=view, methods=[method.upper()])
            routed.add(operation_id)
    orphans = sorted(set(_VIEWS) - routed)
    if orphans:
        raise RoutingError(f"views for undocumented operations: {', '.join(orphans)}")
