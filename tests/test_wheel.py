"""The wheel is the product (the image installs it): it carries every module, the SQL and the
OpenAPI tree, and an installed, non-editable copy runs from anywhere with no path into the
repository and no variable telling it where its files are."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from app_service import PROJECT_ROOT
from app_service.api.spec import bundled
from app_service.queries import Q


def _build_context() -> list[str]:
    """What the Dockerfile's build stage copies in before `pip wheel` (its COPY sources)."""
    text = (PROJECT_ROOT / "Dockerfile").read_text()
    build_stage = text.split("\nFROM ", 2)[1]
    return [
        src
        for line in build_stage.splitlines()
        if line.startswith("COPY ")
        for src in line.split()[1:-1]
    ]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built as the image builds it: from a copy of the build stage's context (a build
    in the checkout could reuse a stale build/ folder and hide a file the packaging leaves out)."""
    source = tmp_path_factory.mktemp("context")
    for name in _build_context():
        src = PROJECT_ROOT / name
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("reminderly-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel (and its dependencies) installed, not editable."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True)
    subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
        timeout=900,
        cwd=env_dir,
    )
    return env_dir


def _outside(tmp_path: Path, **env: str) -> dict:
    """Keyword arguments for a run outside the repository, with nothing pointing into it."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "DATABASE_URL", "PGHOST", "REMINDERLY_DATA_DIR")
    }
    return {
        "cwd": tmp_path,
        "env": {**clean, **env},
        "capture_output": True,
        "text": True,
        "timeout": 300,
    }


def test_the_wheel_carries_every_module_the_sql_and_the_openapi_tree(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    source = PROJECT_ROOT / "app_service"
    modules = {
        f"app_service/{p.relative_to(source)}"
        for p in source.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert modules - names == set(), (
        "setup.py's packages / pyproject.toml's package-data leave these out"
    )
    shipped = {
        "db": "app_service/_sql",
        "openapi": "app_service/_openapi",
    }
    for folder, package in shipped.items():
        files = {
            p.relative_to(PROJECT_ROOT / folder)
            for p in (PROJECT_ROOT / folder).rglob("*")
            if p.suffix in (".sql", ".yaml") and p.is_file()
        }
        assert files, folder
        assert {f"{package}/{f}" for f in files} - names == set(), folder
    # development tools and harnesses stay in the repository
    assert not any(n.startswith(("tools/", "tests/", "app_service/_sql/tools/")) for n in names)


def test_the_package_imports_no_harness():
    """tools/ and tests/ are not in the wheel: code in the package that imports them would
    work in a checkout and fail where the product runs."""
    harness = re.compile(r"^\s*(from|import)\s+(tools|tests)\b", re.MULTILINE)
    offenders = [
        str(p.relative_to(PROJECT_ROOT))
        for p in (PROJECT_ROOT / "app_service").rglob("*.py")
        if harness.search(p.read_text("utf-8"))
    ]
    assert offenders == []


def test_an_installed_wheel_loads_its_queries_and_spec_from_outside_the_repository(
    installed, tmp_path
):
    probe = (
        "import json, app_service\n"
        "from app_service.queries import Q\n"
        "from app_service.api.spec import bundled\n"
        "from app_service import migrate\n"
        "from app_service.config import Settings\n"
        "from app_service.cli import client_gen\n"
        "try:\n"
        "    client_gen.generate()\n"
        "    gen = 'generated'\n"
        "except client_gen.GenerationFailed as exc:\n"
        "    gen = str(exc)\n"
        "print(json.dumps({'file': app_service.__file__, 'queries': Q.names(),\n"
        "  'paths': sorted(bundled()['paths']), 'migrations': [f.name for f in migrate.migration_files()],\n"
        "  'routines': [f.name for f in migrate.routine_files()],\n"
        "  'data_dir': str(Settings.from_env().data_dir), 'client': gen}))\n"
    )
    xdg = tmp_path / "xdg"
    result = subprocess.run(
        [str(installed / "bin" / "python"), "-c", probe],
        **_outside(tmp_path, XDG_DATA_HOME=str(xdg)),
    )
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert Path(got["file"]).is_relative_to(installed), got["file"]  # not the checkout
    assert got["data_dir"] == str(
        xdg / "reminderly"
    )  # the embedded server's data: not in site-packages
    assert got["client"].endswith("is in a checkout only: run this from one")  # the dev command
    assert got["queries"] == Q.names()
    assert got["paths"] == sorted(bundled()["paths"])
    assert got["migrations"] == sorted(
        p.name for p in (PROJECT_ROOT / "db" / "migrations").glob("*.sql")
    )
    assert got["routines"] == sorted(
        p.name for p in (PROJECT_ROOT / "db" / "procedures").glob("*.sql")
    )


def test_an_installed_wheel_migrates_a_new_database(installed, server_url, tmp_path):
    name = f"wheel_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_conninfo(server_url, dbname=name)
    reminderly = str(installed / "bin" / "reminderly")
    try:
        before = subprocess.run(
            [reminderly, "db", "status"], **_outside(tmp_path, DATABASE_URL=url)
        )
        assert before.returncode == 1 and "pending" in before.stdout, before.stdout + before.stderr
        migrated = subprocess.run(
            [reminderly, "db", "migrate"], **_outside(tmp_path, DATABASE_URL=url)
        )
        assert migrated.returncode == 0, migrated.stderr
        applied = {line.removeprefix("applied ") for line in migrated.stdout.splitlines()}
        expected = {
            p.name
            for d in ("migrations", "procedures")
            for p in (PROJECT_ROOT / "db" / d).glob("*.sql")
        }
        assert applied == expected
        after = subprocess.run([reminderly, "db", "status"], **_outside(tmp_path, DATABASE_URL=url))
        assert after.returncode == 0 and "schema: current" in after.stdout, (
            after.stdout + after.stderr
        )
        with psycopg.connect(url) as conn:
            versions = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
        assert versions == (len(list((PROJECT_ROOT / "db" / "migrations").glob("*.sql"))),)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
