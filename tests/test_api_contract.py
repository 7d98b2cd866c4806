"""The OpenAPI tree: it bundles into a valid 3.1 document, its examples match its schemas,
and the app implements exactly the operations it documents."""

from __future__ import annotations

import re

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from app_service.api import create_app
from app_service.api.spec import SPEC_DIR, SpecError, bundle, bundled
from app_service.config import Settings

DOC = bundle()
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(doc: dict) -> dict[tuple[str, str], dict]:
    return {
        (path, method): op
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def test_the_bundle_is_a_valid_openapi_31_document():
    validate(DOC)
    assert DOC["openapi"].startswith("3.1")
    # every component file of the tree is in the bundle, referenced locally
    for kind in ("schemas", "responses", "parameters"):
        files = {p.stem for p in (SPEC_DIR / "components" / kind).glob("*.yaml")}
        assert set(DOC["components"][kind]) == files, kind
    assert "../" not in str(DOC), "a file reference survived bundling"


def test_every_route_is_documented_and_every_operation_implemented():
    app = create_app(Settings.from_env().with_(database_url="postgresql://x@127.0.0.1:1/x"))
    routes = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/v1/", "/r/", "/u/")):
            continue  # /docs and its assets are not API operations
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes[(path, method.lower())] = rule.endpoint
    documented = _operations(DOC)
    assert set(routes) - set(documented) == set(), "routes missing from the definition"
    assert set(documented) - set(routes) == set(), "documented operations with no route"
    for key, op in documented.items():
        assert routes[key] == op["operationId"], key


def test_every_operation_documents_its_errors_and_examples():
    for (path, method), op in _operations(DOC).items():
        codes = set(op["responses"])
        assert "500" in codes, (path, method)
        if op.get("security") != []:
            assert {"401", "403", "429"} <= codes, (path, method)
            assert op["x-required-scope"] in {"read", "write", "admin", "operator"}
        if "{" in path:
            assert {"400", "404"} <= codes, (path, method)
        if "requestBody" in op:
            assert {"400", "413", "415"} <= codes, (path, method)
            for media in op["requestBody"]["content"].values():
                assert media.get("examples"), (path, method)
        assert op.get("summary") and op.get("description"), (path, method)


def _resolve(doc: dict, node: dict) -> dict:
    while "$ref" in node:
        _, kind, name = node["$ref"].rsplit("/", 2)
        node = doc["components"][kind][name]
    return node


def test_every_example_matches_its_schema():
    checked = 0
    for op in _operations(DOC).values():
        bodies = [op["requestBody"]] if "requestBody" in op else []
        bodies += [_resolve(DOC, r) for r in op["responses"].values()]
        for body in bodies:
            for media_type, media in body.get("content", {}).items():
                for example in media.get("examples", {}).values():
                    value = _resolve(DOC, example)["value"]
                    if "json" not in media_type and "form" not in media_type:
                        assert isinstance(value, str)  # CSV, text: the body as sent
                        continue
                    # the whole document is the root, so #/components/... references resolve
                    OAS31Validator({**DOC, **media["schema"]}).validate(value)
                    checked += 1
    assert checked >= 20


def test_a_broken_reference_names_the_file(tmp_path):
    (tmp_path / "openapi.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    $ref: paths/x.yaml\n"
    )
    with pytest.raises(SpecError, match=r"paths/x\.yaml does not exist"):
        bundle(tmp_path / "openapi.yaml")


def test_the_definition_and_swagger_ui_are_served_without_a_cdn():
    client = create_app(
        Settings.from_env().with_(database_url="postgresql://x@127.0.0.1:1/x")
    ).test_client()
    served = client.get("/v1/openapi.json")
    assert served.status_code == 200 and served.json == DOC
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "https://" not in html and "http://" not in html
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        got = client.get(asset)
        assert got.status_code == 200 and len(got.data) > 100, asset


def test_a_response_that_breaks_the_contract_is_a_500_and_logged_without_values(
    tenant, app, caplog
):
    from flask import jsonify

    app.view_functions["getAccount"] = lambda: jsonify(id="+13125550123", name=5)
    response = tenant.get("/v1/account")
    assert response.status_code == 500
    assert response.json["detail"] == "the response did not match the API definition"
    (record,) = [r for r in caplog.records if r.getMessage() == "response breaks the contract"]
    assert {"pointer": "/id", "kind": "ValidationErrorKind_Type"} in record.errors or any(
        e["pointer"] == "/id" for e in record.errors
    )
    assert "+1312" not in str(record.__dict__)
    app.view_functions["getAccount"] = lambda: (jsonify(status="ok"), 418)
    assert tenant.get("/v1/account").status_code == 500  # an undocumented status


def test_the_cli_writes_the_same_bundle(tmp_path):
    import json

    from click.testing import CliRunner

    from app_service.cli import main

    out = tmp_path / "openapi.json"
    result = CliRunner().invoke(main, ["openapi", "bundle", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == DOC


def test_the_changelog_names_the_definitions_version():
    """openapi/CHANGELOG.md's newest entry is the version the definition declares, and it
    states the versioning policy."""
    from app_service import PROJECT_ROOT

    text = (PROJECT_ROOT / "openapi" / "CHANGELOG.md").read_text()
    versions = re.findall(r"^## (\d+\.\d+\.\d+)", text, re.MULTILINE)
    assert versions and versions[0] == bundled()["info"]["version"]
    assert "## Versioning policy" in text


def _request_schemas(doc: dict) -> set[str]:
    """Every component schema reachable from a request body."""
    schemas, found, todo = doc["components"]["schemas"], set(), []

    def refs(node) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                todo.append(node["$ref"].rsplit("/", 1)[-1])
            for value in node.values():
                refs(value)
        elif isinstance(node, list):
            for value in node:
                refs(value)

    for item in doc["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and "requestBody" in op:
                refs(op["requestBody"])
    while todo:
        name = todo.pop()
        if name not in found and name in schemas:
            found.add(name)
            refs(schemas[name])
    return found


def test_every_request_string_says_it_refuses_nul() -> None:
    """The API refuses U+0000 in any JSON string (PostgreSQL text cannot hold it): the
    definition must say so for each free-text field, or clients and fuzzers are told a request
    is valid that is not. Streamed packets (rows refused one by one) and SNS deliveries (AWS's
    format) are the exceptions."""
    doc = bundled()
    missing = []

    def walk(name: str, node, where: str) -> None:
        if not isinstance(node, dict):
            return
        kinds = node.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        constrained = any(k in node for k in ("pattern", "enum", "format", "const", "$ref"))
        if "string" in kinds and not constrained:
            missing.append(f"{name}{where}")
        for key, sub in node.get("properties", {}).items():
            walk(name, sub, f"{where}/{key}")
        for key in ("items", "additionalProperties"):
            walk(name, node.get(key), f"{where}/{key}")

    for name in sorted(_request_schemas(doc) - {"PacketRow", "SnsMessage"}):
        walk(name, doc["components"]["schemas"][name], "")
    assert missing == []


def test_a_packet_row_requires_of_every_row_only_what_the_loader_does():
    """The loader needs only `customer_id` of every row (a survey visit has no appointment
    id, a cancellation may have no time); a definition that required more made the generated
    client refuse rows the API takes. What else a row needs is judged per row, as row errors."""
    from app_service.packet_source import REQUIRED_HEADER

    row = bundled()["components"]["schemas"]["PacketRow"]
    assert row["required"] == list(REQUIRED_HEADER)
    assert set(row["properties"]) >= {"customer_id", "appointment_id", "appointment_at"}
