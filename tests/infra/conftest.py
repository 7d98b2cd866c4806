"""Synthesize the CDK app once per session, offline, with cdk-nag checking it: every stage's
stacks in one assembly, the pipeline in another (as `cdk synth -c pipeline=true` does). The
settings are the committed ones with the placeholders filled in (staging, prod and the pipeline
refuse to synthesize with placeholders: tests/infra/test_config.py)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from cdk.config import PIPELINE, STAGES, SsoConfig


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist loadgroup`, scripts/test.sh) the infrastructure tests run in
    one process: their session-wide synth fixtures are built once, not in every process."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("infra"))


SSO = SsoConfig(
    issuer="https://login.brightsmile.dental",
    authorization_endpoint="https://login.brightsmile.dental/oauth2/authorize",
    token_endpoint="https://login.brightsmile.dental/oauth2/token",
    user_info_endpoint="https://login.brightsmile.dental/oauth2/userinfo",
    client_id="reminderly-console",
    client_secret_name="reminderly-prod/console-sso-client-secret",
)
ACCOUNTS = {"dev": "210987654321", "staging": "310987654321", "prod": "410987654321"}
PROD_SETTINGS = {
    "hosted_zone_id": "Z0123456789ABCDEFGHIJ",  # an existing zone
    # one account has a pool of its own (per-account senders)
    "account_sms_pool_ids": ("pool-9f8e7d6c5b4a39281706f5e4d3c2b1a0",),
    # the console's single sign-on through the clinic chain's identity provider
    "sso": SSO,
}
"""What only prod sets in these tests (the tests read the flags, never the stage's name)."""
TEST_STAGES = {
    name: dataclasses.replace(
        config,
        account=ACCOUNTS[name],
        hosted_zone_name=f"{name}.reminders.brightsmile.dental",
        domain_name=f"api.{name}.reminders.brightsmile.dental",
        ses_identity="mail.brightsmile.dental",
        sms_pool_id="pool-2b3c4d5e6f708192a3b4c5d6e7f80912",
        dr_ses_identity="mail.brightsmile.dental",
        dr_sms_pool_id="pool-9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49",
        paging_subscription="https://events.pagerduty.com/integration/0123456789abcdef/enqueue",
        **({"prod": PROD_SETTINGS}.get(name, {})),
    )
    for name, config in STAGES.items()
}
TEST_PIPELINE = dataclasses.replace(
    PIPELINE,
    account="510987654321",
    connection_arn="arn:aws:codeconnections:us-east-1:510987654321:connection/5b0c5ad2-7d1e-4f47-9a43-1c9f0b2d7e61",
)
# availability zones of the test accounts, pinned as cdk.context.json pins the real ones
AZ_CONTEXT = {
    f"availability-zones:account={c.account}:region={region}": [f"{region}{z}" for z in "abc"]
    for c in TEST_STAGES.values()
    for region in (c.region, c.dr_region)
}


def synth(outdir: Path, **kwargs) -> Path:
    """Synthesize with no AWS credentials in reach; cdk-nag's AwsSolutions pack runs as a
    validation plugin (synth fails on any finding not in cdk/nag_acknowledgments.py)."""
    saved = {
        k: os.environ.pop(k)
        for k in list(os.environ)
        if k.startswith("AWS_") or k.startswith("CDK_DEFAULT")
    }
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    try:
        from cdk.app import build

        build(
            outdir=str(outdir),
            stages=TEST_STAGES,
            pipeline_config=TEST_PIPELINE,
            context=AZ_CONTEXT,
            **kwargs,
        ).synth()
    finally:
        os.environ.pop("AWS_EC2_METADATA_DISABLED", None)
        os.environ.update(saved)
    return outdir


@pytest.fixture(scope="session")
def assembly(tmp_path_factory) -> Path:
    """The cloud assembly of every stage (no pipeline)."""
    return synth(tmp_path_factory.mktemp("cdk.out"), stage_names=list(STAGES), pipeline=False)


@pytest.fixture(scope="session")
def pipeline_assembly(tmp_path_factory) -> Path:
    """The pipeline's cloud assembly: the pipeline stack, and the staging and prod stages it
    deploys as nested assemblies."""
    return synth(tmp_path_factory.mktemp("cdk.out.pipeline"), pipeline=True)


def read_templates(directory: Path) -> dict[str, dict]:
    return {
        p.name.removesuffix(".template.json"): json.loads(p.read_text())
        for p in directory.glob("*.template.json")
    }


@pytest.fixture(scope="session")
def templates(assembly: Path, pipeline_assembly: Path) -> dict[str, dict]:
    """{stack name: CloudFormation template} of the stages' and the pipeline's assemblies
    (top level: the stages' copies nested in the pipeline's assembly are left out)."""
    return {**read_templates(assembly), **read_templates(pipeline_assembly)}


def resources(template: dict, kind: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


@pytest.fixture(scope="session")
def unchecked_apps():
    """The stages' app and the pipeline's app, built without the cdk-nag plugin or synth, to
    count which register entries (cdk-nag's, checkov's) match constructs."""
    from cdk.app import build

    def app(**kwargs):
        return build(
            nag=False,
            stages=TEST_STAGES,
            pipeline_config=TEST_PIPELINE,
            context=AZ_CONTEXT,
            **kwargs,
        )

    return app(stage_names=list(TEST_STAGES), pipeline=False), app(pipeline=True)
