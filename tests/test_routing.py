"""Routes come from the definition: every documented operation is served by its view at the
documented path and method, and a disagreement stops the app at start-up."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

from app_service.api import create_app, routing
from app_service.api.spec import bundled
from app_service.config import Settings


def test_every_documented_operation_is_routed_at_its_path_and_method() -> None:
    app = create_app(Settings.from_env().with_(database_url=None, link_secret="test-link-secret"))
    served = {
        (r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (op["operationId"], method.upper())
        for item in bundled()["paths"].values()
        for method, op in item.items()
        if method in routing.METHODS
    }
    assert documented <= served
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "getCampaign")
    assert rule.rule == "/v1/campaigns/<id:campaign_id>"  # an Id parameter: public ids
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "openLink")
    assert rule.rule == "/r/<token>"


def _document(operation_id: str) -> dict:
    return {
        "paths": {
            "/v1/things/{thing_id}": {
                "get": {
                    "operationId": operation_id,
                    "parameters": [
                        {
                            "name": "thing_id",
                            "in": "path",
                            "schema": {"$ref": "#/components/schemas/Id"},
                        }
                    ],
                }
            }
        },
        "components": {"parameters": {}},
    }


def test_an_operation_without_a_view_stops_start_up() -> None:
    with pytest.raises(routing.RoutingError, match="no view serves GET /v1/things"):
        routing.install(Flask(__name__), _document("getNoSuchThing"))


def test_a_view_for_no_documented_operation_stops_start_up() -> None:
    routing.load_views("app_service.api.routes")
    with pytest.raises(routing.RoutingError, match="views for undocumented operations"):
        # a document with one of the real operations only: every other view is an orphan
        app = Flask(__name__)
        app.url_map.converters["id"] = IntegerConverter
        routing.install(app, _document("getCampaign"))


def test_a_second_view_for_one_operation_is_refused() -> None:
    routing.operation("testOnlyOperation")(lambda: None)
    with pytest.raises(routing.RoutingError, match="two views"):
        routing.operation("testOnlyOperation")(lambda: None)
    routing._VIEWS.pop("testOnlyOperation")
