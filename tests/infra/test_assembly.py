"""The cloud assemblies, read as `cdk deploy` reads them: each stack publishes its assets only
into its own account and region, a stage's synth holds only that stage's stacks (the pipeline
only with -c pipeline=true), every stack is named by deploy_contract.naming in a direct deploy
and in the pipeline alike, scripts/stage-run.sh finds stacks by that name, and the pipeline's
generated steps run the CDK CLI and cdk-assets versions package.json pins."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from app_service import PROJECT_ROOT
from deploy_contract.naming import PIPELINE_STACK, UNITS, stack_name

from .conftest import TEST_STAGES, synth

PINS = json.loads((PROJECT_ROOT / "package.json").read_text())["devDependencies"]


def stacks_of(directory: Path) -> list[tuple[Path, str, dict]]:
    """(assembly directory, artifact id, artifact) of every stack, nested assemblies too."""
    manifest = json.loads((directory / "manifest.json").read_text())
    out = []
    for artifact_id, artifact in manifest["artifacts"].items():
        if artifact["type"] == "aws:cloudformation:stack":
            out.append((directory, artifact_id, artifact))
        elif artifact["type"] == "cdk:cloud-assembly":
            out += stacks_of(directory / artifact["properties"]["directoryName"])
    return out


def stack_names(directory: Path) -> set[str]:
    return {a["properties"].get("stackName", i) for _, i, a in stacks_of(directory)}


def test_every_asset_manifest_publishes_only_into_its_own_stacks_environment(
    assembly, pipeline_assembly
):
    checked = 0
    for directory in (assembly, pipeline_assembly):
        for where, artifact_id, artifact in stacks_of(directory):
            account, region = artifact["environment"].removeprefix("aws://").split("/")
            path = where / f"{artifact_id}.assets.json"
            if not path.exists():  # CodePipeline's cross-region support stack: no assets
                assert artifact_id.startswith("cross-region-stack-"), artifact_id
                continue
            manifest = json.loads(path.read_text())
            for kind in ("files", "dockerImages"):
                for asset in manifest.get(kind, {}).values():
                    for destination in asset["destinations"].values():
                        assert destination["region"] == region, (artifact_id, destination)
                        where_to = {
                            k: v
                            for k, v in destination.items()
                            if k not in ("objectKey", "imageTag")
                        }
                        accounts = set(
                            re.findall(r"(?<![0-9a-f])\d{12}(?![0-9a-f])", json.dumps(where_to))
                        )
                        assert accounts == {account}, (artifact_id, destination)
                        checked += 1
    # each stack publishes at least its own template; the service stacks also the image
    assert checked >= 2 * 3 * len(UNITS)


def test_each_stage_synthesizes_only_its_own_stacks(tmp_path):
    for stage in TEST_STAGES:
        out = synth(tmp_path / stage, stage_names=[stage], pipeline=False, nag=False)
        assert stack_names(out) == {stack_name(stage, u) for u in UNITS}


def test_the_default_synth_holds_every_stage_and_no_pipeline(assembly):
    names = stack_names(assembly)
    assert names == {stack_name(s, u) for s in TEST_STAGES for u in UNITS}
    assert PIPELINE_STACK not in names and not any("cross-region" in n for n in names)


def test_the_pipeline_app_holds_the_pipeline_and_deploys_contract_names(
    pipeline_assembly, templates
):
    top = {i for where, i, _ in stacks_of(pipeline_assembly) if where == pipeline_assembly}
    assert PIPELINE_STACK in top
    nested = {
        a["properties"]["stackName"]
        for where, _, a in stacks_of(pipeline_assembly)
        if where != pipeline_assembly
    }
    assert nested == {stack_name(s, u) for s in ("staging", "prod") for u in UNITS}
    # the deploy actions of the pipeline itself name those stacks
    (pipeline,) = (
        r
        for r in templates[PIPELINE_STACK]["Resources"].values()
        if r["Type"] == "AWS::CodePipeline::Pipeline"
    )
    deployed = {
        a["Configuration"]["StackName"]
        for s in pipeline["Properties"]["Stages"]
        for a in s["Actions"]
        if a["ActionTypeId"]["Provider"] == "CloudFormation"
    }
    assert deployed == nested


def test_the_pipeline_refuses_a_stage_context(tmp_path):
    with pytest.raises(SystemExit, match="pipeline app holds no stage"):
        synth(tmp_path, stage_names=["dev"], pipeline=True)


def test_generated_steps_use_the_pinned_cli_versions(templates):
    specs = [
        r["Properties"]["Source"]["BuildSpec"]
        for r in templates[PIPELINE_STACK]["Resources"].values()
        if r["Type"] == "AWS::CodeBuild::Project"
    ]
    installs = [m for spec in specs for m in re.findall(r"npm install -g ([\w@./-]+)", spec)]
    assert installs, "no generated step installs a CLI"
    for package in installs:
        name, _, version = package.rpartition("@")
        assert name in PINS and version == PINS[name], package
    assert {p.rpartition("@")[0] for p in installs} == {"aws-cdk", "cdk-assets"}


def test_cdk_cli_lists_only_the_stage(tmp_path):
    """The real CLI (npm ci's pinned version) on cdk.json's app, run with this virtual
    environment first on PATH as an activated one would be, no AWS credentials."""
    cdk = PROJECT_ROOT / "node_modules" / ".bin" / "cdk"
    assert cdk.exists(), "run `npm ci` first (scripts/test.sh does)"
    version = subprocess.run([cdk, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith(PINS["aws-cdk"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    venv_bin = str(Path(os.sys.executable).parent)
    env["PATH"] = f"{venv_bin}:/usr/local/bin:/usr/bin:/bin"
    listed = subprocess.run(
        [cdk, "ls", "-c", "stage=dev", "--output", str(tmp_path / "out")],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == [stack_name("dev", u) for u in UNITS]
    refused = subprocess.run(
        [cdk, "ls", "-c", "stage=prod", "--output", str(tmp_path / "out2")],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert refused.returncode != 0
    assert "prod.account" in refused.stderr and "prod.paging_subscription" in refused.stderr


def test_stage_run_finds_the_service_stack_by_its_contract_name(tmp_path):
    """scripts/stage-run.sh against a stand-in `aws` that records its calls."""
    log = tmp_path / "calls"
    fake = tmp_path / "aws"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {log}\n'
        'case "$*" in\n'
        "  *describe-stacks*) echo value ;;\n"
        '  *describe-services*) echo "{}" ;;\n'
        "  *run-task*) echo arn:aws:ecs:us-east-1:1:task/c/abc ;;\n"
        "  *describe-tasks*) echo 0 ;;\n"
        "esac\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    run = subprocess.run(
        ["bash", PROJECT_ROOT / "scripts" / "stage-run.sh", "prod", "reminderly", "ops", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    described = [c for c in log.read_text().splitlines() if "describe-stacks" in c]
    assert described and all(
        f"--stack-name {stack_name('prod', 'service')} " in c for c in described
    )


def test_pipeline_asset_steps_publish_each_destination_from_its_own_manifest(
    pipeline_assembly, templates
):
    """CDK Pipelines' publishing steps: each `cdk-assets publish` names a destination that
    the manifest it reads really holds, in that stack's own account."""
    commands = [
        c
        for r in templates[PIPELINE_STACK]["Resources"].values()
        if r["Type"] == "AWS::CodeBuild::Project"
        and "cdk-assets" in r["Properties"]["Source"]["BuildSpec"]
        for c in json.loads(r["Properties"]["Source"]["BuildSpec"])["phases"]["build"]["commands"]
    ]
    assert commands
    accounts = {TEST_STAGES[s].account for s in ("staging", "prod")}
    for command in commands:
        path, asset, destination = re.fullmatch(
            r'cdk-assets --path "([^"]+)" --verbose publish "(\w+):([\w-]+)"', command
        ).groups()
        manifest = json.loads((pipeline_assembly / path).read_text())
        entry = {**manifest.get("files", {}), **manifest.get("dockerImages", {})}[asset]
        assert destination in entry["destinations"], command
        assert destination.split("-")[0] in accounts, command
