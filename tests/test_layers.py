"""The layers hold: only the core (the capability modules) runs named queries, and entry
points (API, console, CLI, worker, ops) import the core, never each other's insides. Read
from the source itself, so a new module that breaks a rule fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

import app_service

PACKAGE = Path(app_service.__file__).parent
ENTRY_POINTS = ("api", "dashboard", "web", "cli", "worker", "ops")
"""Packages that adapt the core to a medium; everything else in app_service is the core
(capability modules, people/, inbound/, template_sandbox/) or its plumbing (db, queries)."""


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        found[".".join(("app_service", *rel.parts)).removesuffix(".__init__")] = path
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ENTRY_POINTS:
        return parts[1]
    if len(parts) == 2 and parts[1].endswith("_cli"):
        return "cli"
    return "core"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return {n for n in names if n.startswith("app_service.")}


def _runs_named_queries(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "Q"
        for n in ast.walk(tree)
    )


def test_only_the_core_runs_named_queries() -> None:
    outside = sorted(
        name
        for name, path in _modules().items()
        if _layer(name) != "core" and _runs_named_queries(path)
    )
    assert outside == [], "named queries outside the core: move them into a capability module"


def test_the_core_imports_no_entry_point() -> None:
    wrong = sorted(
        f"{name} -> {target}"
        for name, path in _modules().items()
        if _layer(name) == "core"
        for target in _imports(path)
        if _layer(target) != "core"
    )
    assert wrong == []


# an entry point may use the shared web plumbing (API and console are one Flask app), and the
# API's app factory composes the console into that app; nothing else crosses
ALLOWED = {
    ("api", "web"),
    ("dashboard", "web"),
    ("api", "dashboard"),
    ("cli", "worker"),
    ("cli", "ops"),
    ("cli", "api"),
}


def test_entry_points_do_not_reach_into_each_other() -> None:
    wrong = sorted(
        f"{name} -> {target}"
        for name, path in _modules().items()
        for target in _imports(path)
        if _layer(name) != "core"
        and _layer(target) not in ("core", _layer(name))
        and (_layer(name), _layer(target)) not in ALLOWED
    )
    assert wrong == []


def test_the_rules_see_a_violation(tmp_path: Path) -> None:
    """The checks above are only as good as their parsing: they must see these."""
    bad = tmp_path / "bad.py"
    bad.write_text("from app_service.queries import Q\nrows(conn, Q.get_account)\n")
    assert _runs_named_queries(bad)
    assert _layer("app_service.api.routes.templates") == "api"
    assert _layer("app_service.people_cli") == "cli"
    assert _layer("app_service.templates") == "core"
