"""The OpenAPI definition: a folder tree (openapi/) bundled into one document.

The tree is the source of truth: a root file, `paths/` (one file per path), and
`components/{schemas,responses,parameters}/` and `examples/` (one file per component). Bundling
inlines the path files and turns every reference to a component file into a local
`#/components/<kind>/<Name>` reference, so the bundle reads like a hand-written single file.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from app_service.resources import OPENAPI_DIR as SPEC_DIR

_COMPONENT_KINDS = {"schemas", "responses", "parameters", "examples"}


class SpecError(ValueError):
    """The tree has a reference that cannot be bundled."""


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def bundle(root: Path = SPEC_DIR / "openapi.yaml") -> dict:
    """One OpenAPI document from the tree under `root`'s folder."""
    base = root.parent.resolve()
    components: dict[str, dict[str, Any]] = {}

    def component_of(target: Path) -> tuple[str, str] | None:
        rel = target.relative_to(base).parts
        if rel[0] == "examples" and len(rel) == 2:
            return "examples", target.stem
        if len(rel) == 3 and rel[0] == "components" and rel[1] in _COMPONENT_KINDS:
            return rel[1], target.stem
        return None

    def walk(node: Any, here: Path) -> Any:
        if isinstance(node, list):
            return [walk(item, here) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            if "#" in ref:
                raise SpecError(f"{here}: fragment references are not supported: {ref}")
            target = (here.parent / ref).resolve()
            if not target.is_file():
                raise SpecError(f"{here.relative_to(base)}: {ref} does not exist")
            kind_name = component_of(target)
            if kind_name is None:  # a path item: inline it
                return walk(_load(target), target)
            kind, name = kind_name
            slot = components.setdefault(kind, {})
            if name not in slot:
                slot[name] = None  # reserve first: recursive schemas terminate
                slot[name] = walk(_load(target), target)
            return {"$ref": f"#/components/{kind}/{name}"}
        return {key: walk(value, here) for key, value in node.items()}

    doc = walk(_load(root), root)
    merged = doc.setdefault("components", {})
    for kind in sorted(components):
        merged.setdefault(kind, {}).update(dict(sorted(components[kind].items())))
    return doc


@lru_cache(maxsize=1)
def bundled() -> dict:
    """The bundled document, built once per process."""
    return bundle()


def write_bundle(out: Path) -> None:
    out.write_text(json.dumps(bundle(), indent=2) + "\n", encoding="utf-8")
