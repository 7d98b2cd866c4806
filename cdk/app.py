"""The CDK app: a stage's stacks, or the pipeline, checked by cdk-nag (AwsSolutions) at synth.

    npx cdk synth                    # every stage's stacks (never the pipeline)
    npx cdk synth -c stage=prod      # one stage (comma-separate several)
    npx cdk synth -c pipeline=true   # the pipeline alone (it deploys staging and prod itself)

A stage's assembly holds only that stage's stacks, so `cdk deploy -c stage=dev --all` reaches
only dev's account. Every stack has its own synthesizer (one shared instance would list every
stack's assets in each asset manifest: aws-cdk issue 29071) and an explicit stack name from
deploy_contract.naming, the same in a direct deploy and in the pipeline.

Deploy order per stage: <prefix>-dr (DR region), -network, -database, -service, -monitoring,
then the standby tier in the DR region: -dr-network, -dr-database, -dr-service, -dr-monitoring
(deploy_contract.naming.UNITS).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_rds as rds
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from cdk.checkov_skips import apply_skips
from cdk.config import PIPELINE, STAGES, PipelineConfig, StageConfig, require_settings
from cdk.nag_acknowledgments import acknowledge_all, register
from deploy_contract import naming
from deploy_contract.naming import PIPELINE_STACK, stack_name
from stacks.database_stack import DatabaseStack
from stacks.dr_stack import DrStack
from stacks.monitoring_stack import MonitoringStack
from stacks.network_stack import NetworkStack
from stacks.parts.drill_schedule import schedule_drill
from stacks.pipeline_stack import PipelineStack
from stacks.service_stack import ServiceStack
from stacks.standby_database_stack import StandbyDatabaseStack, keeps_replica


def add_stage(app: Construct, config: StageConfig) -> dict[str, cdk.Stack]:
    """The stacks of one stage, wired together; each with its own synthesizer and the
    contract's stack name (construct id and stack name are the same)."""
    env = cdk.Environment(account=config.account, region=config.region)
    tags = {"project": "reminderly", "stage": config.name}

    def own(unit: str) -> dict:
        name = stack_name(config.name, unit)
        return {"id": name, "stack_name": name, "synthesizer": synthesizer(), "tags": tags}

    def make(cls, unit: str, **kwargs):
        o = own(unit)
        return cls(app, o.pop("id"), config=config, **o, **kwargs)

    dr = make(DrStack, "dr", env=cdk.Environment(account=config.account, region=config.dr_region))
    network = make(NetworkStack, "network", env=env)
    database = make(DatabaseStack, "database", vpc=network.vpc, env=env)
    database.add_stack_dependency(
        dr, "the DR key and vault must exist before backups replicate to them"
    )
    assert database.instance.secret is not None
    service = make(
        ServiceStack,
        "service",
        vpc=network.vpc,
        database_secret_arn=database.instance.secret.secret_arn,
        database_login_secret_arns={k: v.secret_arn for k, v in database.login_secrets.items()},
        database_key=database.key,
        database_security_group=database.security_group,
        env=env,
    )
    monitoring = make(
        MonitoringStack, "monitoring", database=database.instance, service=service, env=env
    )
    return {
        "dr": dr,
        "network": network,
        "database": database,
        "service": service,
        "monitoring": monitoring,
        **add_standby(app, config, make, dr, database),
    }


def add_standby(
    app: Construct, config: StageConfig, make, dr: DrStack, database: DatabaseStack
) -> dict[str, cdk.Stack]:
    """The pilot-light tier in the DR region, from the primary's own constructs: the network,
    the database side (prod's replica), the services at zero tasks and the scheduled drill,
    monitoring with its alarms' actions off until `reminderly dr failover` turns them on (the
    replica's and the drill's act always)."""
    env = cdk.Environment(account=config.account, region=config.dr_region)
    network = make(NetworkStack, "dr-network", env=env)
    db = make(StandbyDatabaseStack, "dr-database", vpc=network.vpc, key=dr.replication_key, env=env)
    db.add_stack_dependency(database, "the replica's source and the secret's replica exist first")
    service = make(
        ServiceStack,
        "dr-service",
        vpc=network.vpc,
        database_secret_arn=None,
        database_key=dr.replication_key,
        database_security_group=db.security_group,
        standby=True,
        env=env,
    )
    schedule_drill(
        service,
        config=config,
        database_security_group=db.security_group,
        keys=[dr.replication_key, dr.vault_key],
    )
    standby_db = rds.DatabaseInstance.from_database_instance_attributes(
        service,
        "StandbyDatabase",
        instance_identifier=naming.dr_instance(config.name),
        # only its metrics are used (by identifier); the endpoint is known after a failover
        instance_endpoint_address=f"{naming.dr_instance(config.name)}.invalid",
        port=5432,
        security_groups=[],
    )
    monitoring = make(
        MonitoringStack,
        "dr-monitoring",
        database=standby_db,
        service=service,
        standby=True,
        replica_lag=keeps_replica(config),
        env=env,
    )
    monitoring.add_stack_dependency(db)
    return {
        "dr-network": network,
        "dr-database": db,
        "dr-service": service,
        "dr-monitoring": monitoring,
    }


ROOT = Path(__file__).resolve().parent.parent


def synthesizer() -> cdk.DefaultStackSynthesizer:
    """A new synthesizer for one stack (never shared: aws-cdk issue 29071). The default
    bootstrap roles, with the partition written out ("aws") instead of
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
    pipeline: bool | None = None,
    nag: bool = True,
    outdir: str | None = None,
    stages: dict[str, StageConfig] = STAGES,
    pipeline_config: PipelineConfig = PIPELINE,
    context: dict | None = None,
) -> cdk.App:
    """The app for `stage_names` (default: the `stage` context value, else every stage), or,
    with `pipeline` (default: the `pipeline` context flag), the pipeline stack alone.
    cdk.json's feature flags and the committed cdk.context.json (pinned availability zones)
    are loaded here too, so a synth outside the CDK CLI (the tests) is the same, offline.
    Refuses (config.IncompleteConfig) when staging, prod or the pipeline has placeholders."""
    merged = {
        **json.loads((ROOT / "cdk.json").read_text())["context"],
        **json.loads((ROOT / "cdk.context.json").read_text()),
        **(context or {}),
    }
    app = cdk.App(outdir=outdir, context=merged) if outdir else cdk.App(context=merged)
    if pipeline is None:
        pipeline = str(app.node.try_get_context("pipeline")).lower() in ("true", "1", "yes")
    if pipeline:
        if stage_names or app.node.try_get_context("stage"):
            raise SystemExit("error: the pipeline app holds no stage: drop -c stage")
        deployed = [stages["staging"], stages["prod"]]
        require_settings(deployed, pipeline_config)
        pipeline_stack = PipelineStack(
            app,
            PIPELINE_STACK,
            config=pipeline_config,
            stages=stages,
            add_stage=add_stage,
            env=cdk.Environment(account=pipeline_config.account, region=pipeline_config.region),
            synthesizer=synthesizer(),
        )
    else:
        names = stage_names or _stages_from_context(app)
        unknown = [n for n in names if n not in stages]
        if unknown:
            raise SystemExit(f"error: unknown stage {unknown[0]!r}: one of {', '.join(stages)}")
        for warning in require_settings(stages[n] for n in names):
            print(
                f"warning: placeholder setting (set it before deploying): {warning}",
                file=sys.stderr,
            )
        for name in names:
            add_stage(app, stages[name])
    apply_skips(app)  # checkov's deliberate exceptions, in the template metadata
    if nag:
        buckets = pipeline_stack.replication_bucket_names if pipeline else []
        acknowledge_all(app, register(stages.values(), pipeline_config, buckets))
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def _stages_from_context(app: cdk.App) -> list[str]:
    wanted = app.node.try_get_context("stage")
    return [s.strip() for s in wanted.split(",")] if wanted else list(STAGES)


if __name__ == "__main__":
    build().synth()
