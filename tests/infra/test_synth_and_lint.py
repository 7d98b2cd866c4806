"""Every stage synthesizes offline; cdk-nag and cfn-lint find nothing unacknowledged."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint

from cdk.config import STAGES
from cdk.nag_acknowledgments import REGISTER

STACKS = ("dr", "network", "database", "service", "monitoring")

# cfn-lint warnings accepted, each with its reason. Errors are never accepted.
CFN_LINT_ACKNOWLEDGED = {
    "W3010": "Subnets name their AZs: cdk.context.json pins them so synth makes no AWS call, "
    "and a VPC's subnets must name their zones in any case.",
    "W3005": "CDK's own constructs (the custom-resource provider, the ECS service's target group) add a "
    "DependsOn that a Ref already implies; harmless, and not ours to change.",
}


def test_every_stage_has_every_stack(templates):
    assert set(templates) == {f"reminderly-{s}-{k}" for s in STAGES for k in STACKS}


def test_synth_made_no_aws_lookup(assembly: Path):
    manifest = json.loads((assembly / "manifest.json").read_text())
    assert "missing" not in manifest, manifest.get("missing")


def test_nag_register_is_specific_and_every_entry_is_used(assembly):
    """Acknowledgments name one rule on a specific construct path, with a real reason, and
    none is stale (synth with the plugin already proved zero unacknowledged findings)."""
    from cdk.app import build
    from cdk.nag_acknowledgments import acknowledge_all

    for ack in REGISTER:
        # one named rule, optionally one finding of it ("[Resource::*]" names the finding
        # where the resource really is "*"); never a pattern over rules
        assert re.fullmatch(r"AwsSolutions-[A-Z]+\d+(\[[^\]]+\])?", ack.rule), ack
        assert ack.path.startswith("reminderly-") and ack.path.count("/") >= 2, ack
        assert len(ack.reason) >= 40, ack
    used = acknowledge_all(build(list(STAGES), nag=False))
    assert [a for a, n in used.items() if n == 0] == []


@pytest.mark.parametrize("stage", list(STAGES))
def test_cfn_lint_finds_no_errors(templates, stage):
    findings = []
    for name, template in templates.items():
        if f"-{stage}-" not in name:
            continue
        region = STAGES[stage].dr_region if name.endswith("-dr") else STAGES[stage].region
        for match in lint(json.dumps(template), config=ManualArgs(regions=[region])):
            rule = match.rule.id
            if rule.startswith("W") and rule in CFN_LINT_ACKNOWLEDGED:
                continue
            findings.append(f"{name}: {rule} {match.message}")
    assert findings == []
