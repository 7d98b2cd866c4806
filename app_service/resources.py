"""The files the package ships beside its code: the SQL and the OpenAPI definition.

In the repository they stay at the top (`db/`, `openapi/`), where they are read and reviewed as
SQL and YAML; pyproject.toml maps them into the package as `app_service._sql` and
`app_service._openapi`, so a wheel carries them and an editable install (the setuptools finder)
resolves the same names to the checkout. One lookup, no environment variable, no path relative
to the repository.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from app_service import PROJECT_ROOT


def _folder(package: str) -> Path:
    """The package's folder on disk. Every supported install (a wheel, an editable checkout, the
    image) is unpacked on a file system; the SQL and YAML readers need real paths."""
    try:
        root = files(package)
    except ModuleNotFoundError as exc:  # an editable install made before the mapping existed
        raise RuntimeError(
            f"{package} is not installed: reinstall reminderly (pip install -e . in a checkout)"
        ) from exc
    if not isinstance(root, Path):  # a zip import: not a layout reminderly is installed in
        raise RuntimeError(
            f"{package} is not on a file system ({root!r}): install reminderly unzipped"
        )
    return root


SQL_DIR = _folder("app_service._sql")
"""`db/`: migrations/, procedures/ and queries.sql."""

OPENAPI_DIR = _folder("app_service._openapi")
"""`openapi/`: openapi.yaml and the tree it references."""


def default_data_dir(xdg_data_home: str | None = None) -> Path:
    """Where the embedded server keeps its data when REMINDERLY_DATA_DIR is not set: a
    checkout's `.reminderly/` (beside pyproject.toml); an installed package's, the user's data
    folder (XDG_DATA_HOME, which Settings reads and passes, else ~/.local/share), never a
    folder inside site-packages."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / ".reminderly"
    return Path(xdg_data_home or Path.home() / ".local" / "share") / "reminderly"
