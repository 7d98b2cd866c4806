"""`reminderly dr ...`: restorable points, drills (in AWS and locally), the region failover."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from app_service.cli.common import CliError, friendly_errors, settings
from app_service.ops import dr, failover
from deploy_contract import naming

STAGES = tuple(dr.OBJECTIVES)


def _client(service: str, region: str):
    import boto3

    return boto3.client(service, region_name=region)


def _have_aws_credentials() -> bool:
    """Whether boto3 finds credentials (environment, profile, SSO, instance role)."""
    import boto3

    return boto3.Session().get_credentials() is not None


AWS_HINT = "AWS credentials of the stage's account (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
DB_HINT = "DATABASE_URL (or PGHOST and the other PG* variables) of the stage's primary database"


def missing_for_stage(*, database: bool = False) -> list[str]:
    """What a `dr` command that targets a stage lacks, in the words of what to set. Such a
    command never falls back to the embedded database: a drill measured against a laptop's
    database would report a meaningless RPO."""
    cfg = settings()
    missing = []
    if database:
        if cfg.database_url is None:
            missing.append(DB_HINT)
        missing += cfg.missing("PGUSER", "PGPASSWORD")
    if not _have_aws_credentials():
        missing.append(AWS_HINT)
    return missing


@click.group("dr")
def dr_group() -> None:
    """Disaster recovery: restorable points, drills, region failover (dr/README.md)."""


stage_option = click.option("--stage", type=click.Choice(STAGES), required=True)


def require(command: str, *, database: bool = False) -> None:
    missing = missing_for_stage(database=database)
    if missing:
        raise CliError(f"dr {command} acts on a stage: set {'; '.join(missing)}")


primary_option = click.option("--primary-region", default="us-east-1", show_default=True)
dr_option = click.option("--dr-region", default="us-west-2", show_default=True)


@dr_group.command("status")
@stage_option
@dr_option
@click.option("--json", "as_json", is_flag=True)
@friendly_errors
def status(stage: str, dr_region: str, as_json: bool) -> None:
    """The age of the newest restorable point in the DR region against the RPO; exits 1
    when the objective is breached."""
    require("status")
    points = dr.restore_points(_client("rds", dr_region), _client("backup", dr_region), stage)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(points), default=str, indent=2))
    else:
        age = f"{points.age_seconds:.0f} s" if points.age_seconds is not None else "none"
        click.echo(
            f"{stage}: newest restorable point in {dr_region}: {points.newest or 'none'} "
            f"(age {age}; RPO {points.rpo_seconds} s) - replicated backups: "
            f"{points.replicated_latest or 'none'}, vault: {points.vault_latest or 'none'}"
        )
    if points.breached:
        raise CliError(
            f"RPO breached for {stage}: the newest restorable point is older than {points.rpo_seconds} s"
        )


@dr_group.command("drill")
@stage_option
@primary_option
@dr_option
@click.option(
    "--source",
    type=click.Choice([*dr.SOURCES, "all"]),
    default="replicated",
    show_default=True,
    help="Restore the replicated automated backups' newest point, the DR vault's newest copy, or both.",
)
@click.option(
    "--last-write-from",
    type=click.Choice(["marker", "database"]),
    default="marker",
    show_default=True,
    help="The primary's last write: the marker its workers publish in the DR region, or its "
    "database (DATABASE_URL or PG*; only where it is reachable).",
)
@click.option("--subnet-group", help="DB subnet group in the DR region (one the drill can reach).")
@click.option("--security-group", "security_groups", multiple=True)
@click.option("--parameter-group", help="DB parameter group to restore with (the standby's).")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON report here.",
)
@friendly_errors
def drill(
    stage: str,
    primary_region: str,
    dr_region: str,
    source: str,
    last_write_from: str,
    subnet_group: str | None,
    security_groups: tuple[str, ...],
    parameter_group: str | None,
    report: Path | None,
) -> None:
    """Restore the newest point (replicated backups, or the DR vault's newest copy) into a
    temporary instance in the DR region, verify it (row counts, checksums, newest write),
    measure RTO and RPO, delete it, publish the results (Reminderly/DR metrics in the DR
    region, where its alarms are) and report. The weekly schedule runs it in the standby
    tier. Credentials of the restored database: PGUSER and PGPASSWORD (a login's secret); with
    --last-write-from database, the primary's DATABASE_URL or PGHOST. Never the embedded
    database."""
    from psycopg.conninfo import make_conninfo

    from app_service.ops import restore_check, write_marker

    missing = missing_for_stage(database=last_write_from == "database")
    if last_write_from == "marker":  # the restored copy is still verified with these
        missing = settings().missing("PGUSER", "PGPASSWORD") + missing
    if missing:
        raise CliError(f"dr drill acts on a stage: set {'; '.join(missing)}")
    primary = settings().database_url
    database = settings().pg_database

    def verify(host: str, port: int) -> dict:
        url = make_conninfo(
            "", host=host, port=port, dbname=database, sslmode="require", connect_timeout=10
        )
        return {
            "tables": restore_check.table_state(url),
            "latest_write": restore_check.latest_write(url),
        }

    if last_write_from == "marker":
        latest = write_marker.latest_write_reader(
            _client("ssm", dr_region), naming.last_write_parameter(stage)
        )
    else:
        latest = lambda: restore_check.latest_write(primary)  # noqa: E731
    rds, backup, cloudwatch = (_client(s, dr_region) for s in ("rds", "backup", "cloudwatch"))
    results = [
        dr.drill(
            stage=stage,
            source=one,
            rds_dr=rds,
            backup_dr=backup,
            cloudwatch=cloudwatch,
            verify=verify,
            primary_latest_write=latest,
            subnet_group=subnet_group,
            security_groups=list(security_groups),
            parameter_group=parameter_group,
        )
        for one in (dr.SOURCES if source == "all" else (source,))
    ]
    text = dr.report_json(results[0]) if len(results) == 1 else dr.reports_json(results)
    if report:
        report.write_text(text)
    click.echo(text)
    failed = [r for r in results if not r.succeeded or r.breaches]
    if failed:
        raise CliError(
            "drill failed: "
            + "; ".join(f"{r.source}: {r.error or ', '.join(r.breaches)}" for r in failed)
        )


@dr_group.command("failover")
@stage_option
@primary_option
@dr_option
@click.option(
    "--instance-class", help="Restore class (stages without a replica); default: the stage's."
)
@click.option("--api-tasks", type=click.IntRange(1), help="Default: the stage's minimum.")
@click.option("--worker-tasks", type=click.IntRange(1), help="Default: the stage's minimum.")
@click.option(
    "--dry-run", is_flag=True, help="Print the plan and what is done already; change nothing."
)
@click.option("--rollback", is_flag=True, help="Undo an interrupted failover's reversible steps.")
@click.option("--yes", is_flag=True, help="Required to run (or roll back) for real.")
@friendly_errors
def failover_cmd(
    stage: str,
    primary_region: str,
    dr_region: str,
    instance_class: str | None,
    api_tasks: int | None,
    worker_tasks: int | None,
    dry_run: bool,
    rollback: bool,
    yes: bool,
) -> None:
    """Move the stage to the standby tier in the DR region (runbooks/failover-dr-region.md):
    promote prod's replica (or restore the newest replicated point), detach and repoint the
    database secret, scale the standby up, turn its alarms on, pin the API's name to the
    standby (Route 53 failover records). Each step is recorded; run it again to resume after
    an interruption."""
    require("failover")
    clients = failover.Clients(_client)
    target = _target(
        clients, stage, primary_region, dr_region, instance_class, api_tasks, worker_tasks
    )
    existing = failover.describe_instance(clients("rds", dr_region), target.instance)
    arn = None
    if existing is None:
        points = dr.restore_points(clients("rds", dr_region), clients("backup", dr_region), stage)
        if points.replicated_backup_arn is None:
            raise CliError(
                f"no {target.instance} and no replicated automated backup in {dr_region}"
            )
        arn = points.replicated_backup_arn
        click.echo(f"restoring to {points.replicated_latest} (data after it is lost: RPO)")
    elif existing.get("ReadReplicaSourceDBInstanceIdentifier"):
        click.echo(f"promoting the replica {target.instance} (data not yet replicated is lost)")
    steps = failover.failover_steps(target, arn)
    _run_plan("failover", steps, clients, target, dry_run=dry_run, rollback=rollback, yes=yes)


@dr_group.command("failback")
@stage_option
@primary_option
@dr_option
@click.option(
    "--dry-run", is_flag=True, help="Print the plan and what is done already; change nothing."
)
@click.option("--yes", is_flag=True, help="Required to run for real.")
@friendly_errors
def failback_cmd(stage: str, primary_region: str, dr_region: str, dry_run: bool, yes: bool) -> None:
    """Return to the primary region once its database was rebuilt from the DR side
    (dr/README.md): repoint the primary's secret, unpin the name once Route 53 sees the
    primary ready, scale the standby to
    zero, turn its alarms off, replicate the secret again. Resumable like failover."""
    require("failback")
    clients = failover.Clients(_client)
    target = _target(clients, stage, primary_region, dr_region, None, None, None)
    steps = failover.failback_steps(target)
    _run_plan("failback", steps, clients, target, dry_run=dry_run, rollback=False, yes=yes)


def _target(clients, stage, primary_region, dr_region, instance_class, api_tasks, worker_tasks):
    d = failover.STAGE_DEFAULTS[stage]
    return failover.read_target(
        clients,
        stage=stage,
        primary_region=primary_region,
        dr_region=dr_region,
        api_tasks=api_tasks or d.api_tasks,
        worker_tasks=worker_tasks or d.worker_tasks,
        backup_retention_days=d.backup_retention_days,
        instance_class=instance_class or d.instance_class,
        multi_az=d.multi_az,
        deletion_protection=d.deletion_protection,
    )


def _run_plan(plan, steps, clients, target, *, dry_run: bool, rollback: bool, yes: bool) -> None:
    state = failover.read_state(clients, target)
    done = (
        state.get("done", [])
        if state.get("plan") == plan and state.get("status") == "running"
        else []
    )
    click.echo(
        f"{plan} of {target.stage}: {target.primary_region} -> {target.dr_region}"
        if plan == "failover"
        else f"{plan} of {target.stage}: {target.dr_region} -> {target.primary_region}"
    )
    for n, step in enumerate(steps, start=1):
        mark = " (done)" if step.key in done else ""
        undo = "" if step.undo else " [not reversible]"
        click.echo(f"{n}. {step.title}{mark}{undo}")
    if dry_run:
        return
    if not yes:
        raise CliError(
            f"a {plan} changes production: read the plan (--dry-run), then run with --yes"
        )
    if rollback:
        after = failover.rollback(plan, steps, clients, target, click.echo)
        click.echo(f"{plan} {after['status']}: still done: {', '.join(after['done']) or 'nothing'}")
        return
    failover.run(plan, steps, clients, target, click.echo)
    click.echo(f"{plan} done: verify with runbooks/failover-dr-region.md")
