"""Synthesize the CDK app once per session, offline, with cdk-nag checking it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cdk.config import STAGES


@pytest.fixture(scope="session")
def assembly(tmp_path_factory) -> Path:
    """The cloud assembly of every stage, synthesized with no AWS credentials in reach and
    cdk-nag's AwsSolutions pack as a validation plugin (synth fails on any finding not in
    cdk/nag_acknowledgments.py)."""
    saved = {
        k: os.environ.pop(k)
        for k in list(os.environ)
        if k.startswith("AWS_") or k.startswith("CDK_DEFAULT")
    }
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    try:
        from cdk.app import build

        outdir = tmp_path_factory.mktemp("cdk.out")
        build(list(STAGES), outdir=str(outdir)).synth()
    finally:
        os.environ.pop("AWS_EC2_METADATA_DISABLED", None)
        os.environ.update(saved)
    return outdir


@pytest.fixture(scope="session")
def templates(assembly: Path) -> dict[str, dict]:
    """{stack name: CloudFormation template}."""
    return {
        p.name.removesuffix(".template.json"): json.loads(p.read_text())
        for p in assembly.glob("*.template.json")
    }


def resources(template: dict, kind: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}
