"""The Python client in clients/python/, generated from the bundled definition with
openapi-python-client (pinned in the dev extras; it runs offline: the bundle is a local file,
and its post hooks are the ruff of the same environment). `reminderly openapi client` writes it;
tests/test_python_client.py checks that the committed client is what the definition generates."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from app_service import PROJECT_ROOT
from app_service.api.spec import write_bundle

CONFIG = PROJECT_ROOT / "clients" / "openapi-python-client.yaml"
TARGET = PROJECT_ROOT / "clients" / "python"


class GenerationFailed(RuntimeError):
    """The generator failed; its output says why."""


def generate(output: Path = TARGET) -> Path:
    """Write the client package to `output` (replaced), from the definition as it is now."""
    if not CONFIG.is_file():  # an installed package: clients/ is the repository's
        raise GenerationFailed(
            f"{CONFIG.relative_to(PROJECT_ROOT)} is in a checkout only: run this from one"
        )
    tool = Path(sys.executable).with_name("openapi-python-client")
    if not tool.exists():
        raise GenerationFailed("openapi-python-client is not installed (pip install -e '.[dev]')")
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "openapi.json"
        write_bundle(bundle)
        staged = Path(tmp) / "client"
        env = {**os.environ, "PATH": f"{tool.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        done = subprocess.run(
            [
                str(tool),
                "generate",
                "--path",
                str(bundle),
                "--config",
                str(CONFIG),
                "--output-path",
                str(staged),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if done.returncode != 0 or not (staged / "reminderly_client").is_dir():
            raise GenerationFailed((done.stdout + done.stderr).strip()[-2000:])
        shutil.rmtree(staged / ".ruff_cache", ignore_errors=True)  # the post hooks' cache
        if output.exists():
            shutil.rmtree(output)
        shutil.copytree(staged, output)
    return output
