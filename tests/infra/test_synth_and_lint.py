"""Every stage synthesizes offline; cdk-nag and cfn-lint find nothing unacknowledged."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint

from deploy_contract.naming import UNITS

from .conftest import TEST_PIPELINE, TEST_STAGES

STAGES, PIPELINE, STACKS = TEST_STAGES, TEST_PIPELINE, UNITS

# cfn-lint warnings accepted, each with its reason. Errors are never accepted.
CFN_LINT_ACKNOWLEDGED = {
    "W3010": "Subnets name their AZs: cdk.context.json pins them so synth makes no AWS call, "
    "and a VPC's subnets must name their zones in any case.",
    "W3005": "CDK's own constructs (the custom-resource provider, the ECS service's target group) add a "
    "DependsOn that a Ref already implies; harmless, and not ours to change.",
    "W1020": "CDK Pipelines renders the bootstrap role ARNs (partition written out, see cdk/app.py) "
    "through Fn::Sub even when no variable is left in them.",
}


def lint_findings(name: str, template: dict, region: str) -> list[str]:
    found = []
    for match in lint(json.dumps(template), config=ManualArgs(regions=[region])):
        rule = match.rule.id
        if not (rule.startswith("W") and rule in CFN_LINT_ACKNOWLEDGED):
            found.append(f"{name}: {rule} {match.message}")
    return found


def test_every_stage_has_every_stack_and_the_pipeline(templates):
    stage_stacks = {f"reminderly-{s}-{k}" for s in STAGES for k in STACKS}
    assert stage_stacks <= set(templates)
    others = set(templates) - stage_stacks
    assert "reminderly-pipeline" in others
    assert all(
        name == "reminderly-pipeline" or name.startswith("cross-region-stack-") for name in others
    ), others


def test_synth_made_no_aws_lookup(assembly: Path):
    manifest = json.loads((assembly / "manifest.json").read_text())
    assert "missing" not in manifest, manifest.get("missing")


def test_nag_register_is_specific_and_every_entry_is_used(unchecked_apps):
    """Acknowledgments name one rule on a specific construct path, with a real reason, and
    none is stale (synth with the plugin already proved zero unacknowledged findings)."""
    from cdk.nag_acknowledgments import acknowledge_all, register

    stages, pipeline = unchecked_apps
    buckets = pipeline.node.find_child("reminderly-pipeline").replication_bucket_names
    acks = register(STAGES.values(), PIPELINE, buckets)
    for ack in acks:
        # one named rule, optionally one finding of it ("[Resource::*]" names the finding
        # where the resource really is "*"); never a pattern over rules
        assert re.fullmatch(r"AwsSolutions-[A-Z]+\d+(\[[^\]]+\])?", ack.rule), ack
        assert ack.path.count("/") >= 2 and not ack.path.startswith("*/"), (
            ack
        )  # a construct, not a stack
        assert len(ack.reason) >= 40, ack
    used_by_stages = acknowledge_all(stages, acks)
    used_by_pipeline = acknowledge_all(pipeline, acks)
    assert [a for a in acks if used_by_stages[a] + used_by_pipeline[a] == 0] == []


@pytest.mark.parametrize("stage", list(STAGES))
def test_cfn_lint_finds_no_errors(templates, stage):
    findings = []
    for name, template in templates.items():
        if f"-{stage}-" not in name:
            continue
        region = STAGES[stage].dr_region if name.endswith("-dr") else STAGES[stage].region
        findings += lint_findings(name, template, region)
    assert findings == []


def test_cfn_lint_finds_no_errors_in_the_pipeline(templates):
    findings = []
    for name, template in templates.items():
        if name == "reminderly-pipeline" or name.startswith("cross-region-stack-"):
            region = name.rsplit("_", 1)[1] if "_" in name else PIPELINE.region
            findings += lint_findings(name, template, region)
    assert findings == []


def test_pipeline_tests_then_staging_smoke_approval_prod(templates):
    pipeline = next(
        r
        for r in templates["reminderly-pipeline"]["Resources"].values()
        if r["Type"] == "AWS::CodePipeline::Pipeline"
    )
    stages = {
        s["Name"]: [a["Name"] for a in s["Actions"]] for s in pipeline["Properties"]["Stages"]
    }
    assert list(stages)[:3] == ["Source", "Build", "UpdatePipeline"]
    assert list(stages)[-2:] == ["Staging", "Prod"]
    assert stages["Staging"][-1] == "SmokeTest"
    assert stages["Prod"][0] == "PromoteToProd"
    approval = next(
        a
        for s in pipeline["Properties"]["Stages"]
        if s["Name"] == "Prod"
        for a in s["Actions"]
        if a["Name"] == "PromoteToProd"
    )
    assert approval["ActionTypeId"]["Category"] == "Approval"
    for stage in ("Staging", "Prod"):
        deployed = {n.split(".")[0] for n in stages[stage] if n.endswith(".Deploy")}
        assert deployed == {f"reminderly-{stage.lower()}-{k}" for k in STACKS}
    builds = [
        r
        for r in templates["reminderly-pipeline"]["Resources"].values()
        if r["Type"] == "AWS::CodeBuild::Project"
    ]
    synth_spec = next(
        b["Properties"]["Source"]["BuildSpec"]
        for b in builds
        if "scripts/test.sh" in b["Properties"]["Source"]["BuildSpec"]
    )
    assert "npx cdk synth" in synth_spec
    smoke = next(b for b in builds if "scripts/smoke.sh" in b["Properties"]["Source"]["BuildSpec"])
    env = {v["Name"]: v for v in smoke["Properties"]["Environment"]["EnvironmentVariables"]}
    assert env["SMOKE_API_KEY"]["Type"] == "SECRETS_MANAGER"  # masked, never in the buildspec
    assert "rmd_" not in json.dumps(smoke)
