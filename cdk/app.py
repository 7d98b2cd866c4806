"""The CDK app: every stage's stacks, checked by cdk-nag (AwsSolutions) at synth.

    npx cdk synth                    # every stage
    npx cdk synth -c stage=prod      # one stage (comma-separate several)

Deploy order per stage: <prefix>-dr (DR region), -network, -database, -service, -monitoring.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from cdk.config import PIPELINE, STAGES, StageConfig
from cdk.nag_acknowledgments import acknowledge_all
from stacks.database_stack import DatabaseStack
from stacks.dr_stack import DrStack
from stacks.monitoring_stack import MonitoringStack
from stacks.network_stack import NetworkStack
from stacks.pipeline_stack import PipelineStack
from stacks.service_stack import ServiceStack


def add_stage(app: Construct, config: StageConfig) -> dict[str, cdk.Stack]:
    """The stacks of one stage, wired together."""
    env = cdk.Environment(account=config.account, region=config.region)
    tags = {"project": "reminderly", "stage": config.name}
    dr = DrStack(app, f"{config.prefix}-dr", config=config, tags=tags,
                 env=cdk.Environment(account=config.account, region=config.dr_region))  # fmt: skip
    network = NetworkStack(app, f"{config.prefix}-network", config=config, env=env, tags=tags)
    database = DatabaseStack(
        app, f"{config.prefix}-database", config=config, vpc=network.vpc, env=env, tags=tags
    )
    database.add_stack_dependency(
        dr, "the DR key and vault must exist before backups replicate to them"
    )
    service = ServiceStack(
        app, f"{config.prefix}-service", config=config, vpc=network.vpc, database=database.instance,
        database_key=database.key, database_security_group=database.security_group, env=env, tags=tags,
    )  # fmt: skip
    monitoring = MonitoringStack(
        app, f"{config.prefix}-monitoring", config=config, database=database.instance, service=service,
        env=env, tags=tags,
    )  # fmt: skip
    return {
        "dr": dr,
        "network": network,
        "database": database,
        "service": service,
        "monitoring": monitoring,
    }


ROOT = Path(__file__).resolve().parent.parent


def synthesizer() -> cdk.DefaultStackSynthesizer:
    """The default bootstrap roles, with the partition written out ("aws") instead of
    ${AWS::Partition}: CDK Pipelines then renders deploy-role ARNs as plain strings, which
    cfn-lint's pipeline-action check (E3703) requires. Deploying to GovCloud or China would
    change this one place."""
    role = (
        "arn:aws:iam::${AWS::AccountId}:role/cdk-${Qualifier}-%s-${AWS::AccountId}-${AWS::Region}"
    )
    return cdk.DefaultStackSynthesizer(
        deploy_role_arn=role % "deploy-role",
        cloud_formation_execution_role=role % "cfn-exec-role",
        file_asset_publishing_role_arn=role % "file-publishing-role",
        image_asset_publishing_role_arn=role % "image-publishing-role",
        lookup_role_arn=role % "lookup-role",
    )


def build(
    stage_names: list[str] | None = None,
    *,
    pipeline: bool = True,
    nag: bool = True,
    outdir: str | None = None,
) -> cdk.App:
    """The app for `stage_names` (default: the `stage` context value, else every stage).
    cdk.json's feature flags and the committed cdk.context.json (pinned availability zones)
    are loaded here too, so a synth outside the CDK CLI (the tests) is the same, offline."""
    context = {**json.loads((ROOT / "cdk.json").read_text())["context"],
               **json.loads((ROOT / "cdk.context.json").read_text())}  # fmt: skip
    options = {"context": context, "default_stack_synthesizer": synthesizer()}
    app = cdk.App(outdir=outdir, **options) if outdir else cdk.App(**options)
    names = stage_names or _stages_from_context(app)
    for name in names:
        if name not in STAGES:
            raise SystemExit(f"unknown stage {name!r}: one of {', '.join(STAGES)}")
        add_stage(app, STAGES[name])
    if pipeline:
        PipelineStack(app, "reminderly-pipeline", config=PIPELINE,
                      env=cdk.Environment(account=PIPELINE.account, region=PIPELINE.region))  # fmt: skip
    if nag:
        acknowledge_all(app)
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def _stages_from_context(app: cdk.App) -> list[str]:
    wanted = app.node.try_get_context("stage")
    return [s.strip() for s in wanted.split(",")] if wanted else list(STAGES)


if __name__ == "__main__":
    build().synth()
