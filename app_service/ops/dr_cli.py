"""`reminderly dr ...`: restorable points, drills (in AWS and locally), the region failover."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import click

from app_service.ops import dr

STAGES = tuple(dr.OBJECTIVES)


def _client(service: str, region: str):
    import boto3

    return boto3.client(service, region_name=region)


def register(main: click.Group, friendly_errors, cli_error) -> None:
    @main.group("dr")
    def dr_group() -> None:
        """Disaster recovery: restorable points, drills, region failover (dr/README.md)."""

    stage_option = click.option("--stage", type=click.Choice(STAGES), required=True)
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
        points = dr.restore_points(_client("rds", dr_region), _client("backup", dr_region), stage)
        if as_json:
            click.echo(json.dumps(dataclasses.asdict(points), default=str, indent=2))
        else:
            age = f"{points.age_seconds:.0f} s" if points.age_seconds is not None else "none"
            click.echo(f"{stage}: newest restorable point in {dr_region}: {points.newest or 'none'} "
                       f"(age {age}; RPO {points.rpo_seconds} s) - replicated backups: "
                       f"{points.replicated_latest or 'none'}, vault: {points.vault_latest or 'none'}")  # fmt: skip
        if points.breached:
            raise cli_error(
                f"RPO breached for {stage}: the newest restorable point is older than {points.rpo_seconds} s"
            )

    @dr_group.command("drill")
    @stage_option
    @primary_option
    @dr_option
    @click.option(
        "--subnet-group", help="DB subnet group in the DR region (one the drill can reach)."
    )
    @click.option("--security-group", "security_groups", multiple=True)
    @click.option(
        "--report",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the JSON report here.",
    )
    @friendly_errors
    def drill(stage: str, primary_region: str, dr_region: str, subnet_group: str | None,
              security_groups: tuple[str, ...], report: Path | None) -> None:  # fmt: skip
        """Restore the newest replicated point into a temporary instance in the DR region,
        verify it (row counts, checksums, newest write), measure RTO and RPO, delete it, publish
        the results (Reminderly/DR metrics) and report. Database credentials: PGUSER and
        PGPASSWORD (the stage's secret); the primary: DATABASE_URL or PGHOST."""
        from psycopg.conninfo import make_conninfo

        from app_service import db
        from app_service.ops import local_drill

        def verify(host: str, port: int) -> dict:
            url = make_conninfo("", host=host, port=port, dbname=os.environ.get("PGDATABASE", "reminderly"),
                                sslmode="require", connect_timeout=10)  # fmt: skip
            return {
                "tables": local_drill.table_state(url),
                "latest_write": local_drill.latest_write(url),
            }

        result = dr.drill(
            stage=stage, rds_dr=_client("rds", dr_region), backup_dr=_client("backup", dr_region),
            cloudwatch=_client("cloudwatch", primary_region), verify=verify,
            primary_latest_write=lambda: local_drill.latest_write(db.database_url(start=False)),
            subnet_group=subnet_group, security_groups=list(security_groups),
        )  # fmt: skip
        text = dr.report_json(result)
        if report:
            report.write_text(text)
        click.echo(text)
        if not result.succeeded or result.breaches:
            raise cli_error(f"drill failed: {result.error or '; '.join(result.breaches)}")

    @dr_group.command("failover")
    @stage_option
    @dr_option
    @click.option("--instance-class", default="db.r6g.large", show_default=True)
    @click.option("--api-tasks", type=click.IntRange(1), default=2, show_default=True)
    @click.option("--worker-tasks", type=click.IntRange(1), default=1, show_default=True)
    @click.option(
        "--dry-run", is_flag=True, help="Print every step and its exact call; change nothing."
    )
    @click.option("--yes", is_flag=True, help="Required to run for real.")
    @friendly_errors
    def failover(stage: str, dr_region: str, instance_class: str, api_tasks: int, worker_tasks: int,
                 dry_run: bool, yes: bool) -> None:  # fmt: skip
        """Move the stage to the DR region (runbooks/failover-dr-region.md): restore the newest
        replicated point there, point the database secret at it, record the active region,
        scale the DR services up."""
        rds = _client("rds", dr_region)
        points = dr.restore_points(rds, _client("backup", dr_region), stage)
        if points.replicated_backup_arn is None:
            raise cli_error(
                f"no replicated automated backup of {dr.instance_id(stage)} in {dr_region}"
            )
        steps = dr.failover_plan(stage, points.replicated_backup_arn, dr_region=dr_region,
                                 instance_class=instance_class, api_tasks=api_tasks, worker_tasks=worker_tasks)  # fmt: skip
        click.echo(f"failover of {stage} to {dr_region}; restoring to {points.replicated_latest} "
                   f"(data after it is lost: RPO)")  # fmt: skip
        if dry_run:
            for n, step in enumerate(steps, start=1):
                click.echo(
                    f"{n}. {step.title}\n   {step.service}.{step.action}({json.dumps(step.params)})"
                )
            return
        if not yes:
            raise cli_error(
                "a failover changes production: run with --dry-run first, then with --yes"
            )
        clients = {s: _client(s, dr_region) for s in ("rds", "secretsmanager", "ssm", "ecs")}
        dr.run_failover(steps, clients, click.echo)
        click.echo("failover done: verify with runbooks/failover-dr-region.md")

    @dr_group.command("local-drill")
    @click.option(
        "--report",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the JSON report here.",
    )
    @click.option("--rows", type=click.IntRange(10, 100_000), default=200, show_default=True)
    @friendly_errors
    def local_drill_cmd(report: Path | None, rows: int) -> None:
        """The whole drill on local PostgreSQL clusters: backups (pg_dump; base backup + WAL),
        a bad DELETE, the database destroyed, both restored and verified, RTO/RPO measured."""
        from app_service.ops import local_drill

        result = local_drill.run(rows=rows)
        text = json.dumps(dataclasses.asdict(result), default=str, indent=2)
        if report:
            report.write_text(text)
        for r in result.restores:
            click.echo(f"{r.method}: RTO {r.rto_seconds} s, RPO {r.rpo_seconds} s, tables match: {r.tables_match}, "
                       f"acknowledged messages lost: {r.acknowledged_lost}"
                       + (f", deleted rows back: {r.deleted_rows_back}" if r.deleted_rows_back is not None else ""))  # fmt: skip
        if not result.passed:
            raise cli_error("the drill failed: see the report")
        click.echo(f"drill passed ({result.acknowledged_messages} acknowledged messages, "
                   f"{result.bad_delete_rows} rows deleted and recovered)")  # fmt: skip
