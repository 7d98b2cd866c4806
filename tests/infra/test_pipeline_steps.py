"""The pipeline's build steps can run on CodeBuild's Ubuntu image as written: the synth step
runs `npx cdk synth` with the virtual environment active (cdk.json's `python3` must be the
venv's: the image's own Python has no aws_cdk), installs no Debian package (the browser test
has its own step), and scripts/test.sh behaves accordingly. The commands are taken from the
synthesized buildspecs and run here against stand-ins for npx, apt-get and the venv's tools."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from app_service import PROJECT_ROOT
from deploy_contract.naming import PIPELINE_STACK

BROWSER_TEST = "tests/test_dashboard.py::test_in_a_real_browser"


def projects(templates) -> dict[str, dict]:
    return {
        k: r["Properties"]
        for k, r in templates[PIPELINE_STACK]["Resources"].items()
        if r["Type"] == "AWS::CodeBuild::Project"
    }


def spec_of(project: dict) -> dict:
    return json.loads(project["Source"]["BuildSpec"])


def step(templates, needle: str) -> dict:
    (found,) = [p for p in projects(templates).values() if needle in p["Source"]["BuildSpec"]]
    return found


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_every_step_runs_on_the_ubuntu_standard_image_without_debian_packages(templates):
    for name, project in projects(templates).items():
        assert project["Environment"]["Image"] == "aws/codebuild/standard:7.0", name
        assert "apt-get" not in project["Source"]["BuildSpec"], name  # Ubuntu: no Debian names
    synth = step(templates, "scripts/test.sh")
    env = {v["Name"]: v["Value"] for v in synth["Environment"].get("EnvironmentVariables", [])}
    assert env["REMINDERLY_BROWSER_TEST"] == "separate"
    browser = step(templates, BROWSER_TEST)
    assert "playwright install --with-deps chromium" in browser["Source"]["BuildSpec"]


def test_the_browser_test_runs_before_staging_is_deployed(templates):
    (pipeline,) = [
        r["Properties"]
        for r in templates[PIPELINE_STACK]["Resources"].values()
        if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    (staging,) = [s for s in pipeline["Stages"] if s["Name"] == "Staging"]
    order = {a["Name"]: a["RunOrder"] for a in staging["Actions"]}
    deploys = [n for n in order if n.endswith(".Deploy")]
    assert order["BrowserTest"] < min(order[n] for n in deploys)


def test_synth_command_runs_cdk_with_the_venvs_python(templates, tmp_path):
    """The last synth command, run by bash in a checkout with .venv (this suite's), with a
    stand-in npx that runs cdk.json's app command the way the CLI does."""
    commands = spec_of(step(templates, "scripts/test.sh"))["phases"]["build"]["commands"]
    assert commands[0] == "./scripts/test.sh"
    synth = commands[-1]
    assert "npx cdk synth -c pipeline=true" in synth
    app = json.loads((PROJECT_ROOT / "cdk.json").read_text())["app"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    executable(
        bin_dir / "npx",
        f"#!/bin/sh\nexec {app.replace('-m cdk.app', '-c')} 'import aws_cdk, sys; print(sys.prefix)'\n",
    )
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / ".venv").symlink_to(Path(sys.prefix))
    system = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}  # the image's PATH
    ran = subprocess.run(
        ["bash", "-c", synth], cwd=checkout, env=system, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    assert Path(ran.stdout.strip()).resolve() == Path(sys.prefix).resolve()
    # without the activation, the image's python3 runs the app and has no aws_cdk
    bare = subprocess.run(
        ["bash", "-c", "npx cdk synth"], cwd=checkout, env=system, capture_output=True, text=True
    )
    assert bare.returncode != 0 and "aws_cdk" in bare.stderr


def _run_test_sh(tmp_path: Path, **env) -> list[str]:
    """scripts/test.sh in a copy of the checkout whose .venv tools, npm, apt-get and sudo
    are stand-ins that log their arguments; no chromium on PATH."""
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "scripts" / "test.sh", root / "scripts" / "test.sh")
    log = tmp_path / "log"
    venv_bin = root / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (root / ".venv-checkov" / "bin").mkdir(parents=True)
    executable(
        root / ".venv-checkov" / "bin" / "python", f'#!/bin/sh\necho "checkov-python $*" >> {log}\n'
    )
    tools = tmp_path / "bin"
    tools.mkdir()
    for name, where in [
        ("python", venv_bin),
        ("ruff", venv_bin),
        ("npm", tools),
        ("apt-get", tools),
        ("sudo", tools),
    ]:
        executable(where / name, f'#!/bin/sh\necho "{name} $*" >> {log}\n')
    for name in ("dirname", "id"):
        (tools / name).symlink_to(shutil.which(name))
    ran = subprocess.run(
        ["/bin/bash", str(root / "scripts" / "test.sh"), "-q"],
        env={"PATH": str(tools), "HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    return log.read_text().splitlines()


def test_test_sh_leaves_the_browser_test_to_its_step_in_the_pipeline(tmp_path):
    calls = _run_test_sh(tmp_path, REMINDERLY_BROWSER_TEST="separate")
    assert not any(c.startswith(("apt-get", "sudo")) for c in calls), calls
    (pytest_call,) = [c for c in calls if c.startswith("python -m pytest")]
    assert f"--deselect {BROWSER_TEST}" in pytest_call
    assert any(c.startswith("npm ci") for c in calls)
    assert "checkov-python -m pip install --quiet -r requirements-checkov.txt" in calls


def test_test_sh_still_runs_the_browser_test_everywhere_else(tmp_path):
    calls = _run_test_sh(tmp_path)
    assert any("install -y chromium" in c for c in calls), calls  # as root here: apt-get itself
    (pytest_call,) = [c for c in calls if c.startswith("python -m pytest")]
    assert "--deselect" not in pytest_call


def test_the_chromium_locator_script_is_what_the_browser_step_links(templates):
    browser = spec_of(step(templates, BROWSER_TEST))["phases"]["build"]["commands"]
    assert any(
        "scripts/playwright_chromium.py" in c and "/usr/local/bin/chromium" in c for c in browser
    )
    assert (PROJECT_ROOT / "scripts" / "playwright_chromium.py").exists()
    assert os.access(PROJECT_ROOT / "scripts" / "test.sh", os.X_OK)
