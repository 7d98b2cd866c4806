"""Disaster recovery: the AWS calls with botocore's Stubber (every parameter asserted), the
drill's verification against the real local database, and a real drill on local clusters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber
from click.testing import CliRunner

from app_service.cli import dr as dr_cli
from app_service.cli import main
from app_service.ops import dr, restore_check
from tools import local_drill

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ARN = "arn:aws:rds:us-west-2:333333333333:auto-backup:ab-xyz"


def clients():
    return (
        boto3.client("rds", region_name="us-west-2"),
        boto3.client("backup", region_name="us-west-2"),
        boto3.client("cloudwatch", region_name="us-east-1"),
    )


def stub_points(
    rds_stub: Stubber,
    backup_stub: Stubber,
    stage: str,
    replicated_age: timedelta | None,
    vault_age: timedelta,
) -> None:
    backups = (
        []
        if replicated_age is None
        else [
            {
                "DBInstanceAutomatedBackupsArn": ARN,
                "Status": "replicating",
                "RestoreWindow": {
                    "EarliestTime": NOW - timedelta(days=7),
                    "LatestTime": NOW - replicated_age,
                },
            }
        ]
    )
    rds_stub.add_response(
        "describe_db_instance_automated_backups",
        {"DBInstanceAutomatedBackups": backups},
        {"DBInstanceIdentifier": f"reminderly-{stage}-postgres"},
    )
    backup_stub.add_response(
        "list_recovery_points_by_backup_vault",
        {
            "RecoveryPoints": [
                {
                    "RecoveryPointArn": "arn:aws:backup:us-west-2:333333333333:recovery-point:rp-1",
                    "Status": "COMPLETED",
                    "CreationDate": NOW - vault_age,
                },
                {
                    "RecoveryPointArn": "arn:aws:backup:us-west-2:333333333333:recovery-point:rp-2",
                    "Status": "RUNNING",
                    "CreationDate": NOW,
                },
            ]
        },
        {"BackupVaultName": f"reminderly-{stage}-dr-vault", "MaxResults": 100},
    )


def test_restore_points_against_the_rpo():
    rds, backup, _ = clients()
    with Stubber(rds) as r, Stubber(backup) as b:
        stub_points(r, b, "prod", timedelta(minutes=6), timedelta(hours=20))
        ok = dr.restore_points(rds, backup, "prod", NOW)
        stub_points(r, b, "prod", timedelta(minutes=40), timedelta(hours=20))
        late = dr.restore_points(rds, backup, "prod", NOW)
        stub_points(r, b, "dev", None, timedelta(hours=20))
        vault_only = dr.restore_points(rds, backup, "dev", NOW)
    assert (ok.age_seconds, ok.breached, ok.replicated_backup_arn) == (360, False, ARN)
    assert late.breached and late.age_seconds == 2400
    assert (
        vault_only.newest == NOW - timedelta(hours=20) and not vault_only.breached
    )  # dev: RPO a day


def test_a_drill_restores_verifies_measures_cleans_up_and_publishes(db_url, conn, campaign):
    from tests.helpers import load_rows, person

    load_rows(conn, campaign, [person(1), person(2)])
    rds, backup, cloudwatch = clients()
    target = "reminderly-prod-drill-202611281200"
    ticks = iter([100.0, 100.0 + 1500.0])
    with Stubber(rds) as r, Stubber(backup) as b, Stubber(cloudwatch) as cw:
        stub_points(r, b, "prod", timedelta(minutes=5), timedelta(hours=3))
        r.add_response(
            "restore_db_instance_to_point_in_time",
            {"DBInstance": {"DBInstanceIdentifier": target}},
            {
                "SourceDBInstanceAutomatedBackupsArn": ARN,
                "TargetDBInstanceIdentifier": target,
                "UseLatestRestorableTime": True,
                "DBInstanceClass": "db.t4g.medium",
                "MultiAZ": False,
                "PubliclyAccessible": False,
                "DeletionProtection": False,
                "CopyTagsToSnapshot": False,
                "Tags": [{"Key": "reminderly:drill", "Value": "prod"}],
                "DBSubnetGroupName": "drill-subnets",
                "VpcSecurityGroupIds": ["sg-1"],
            },
        )
        available = {
            "DBInstances": [
                {
                    "DBInstanceIdentifier": target,
                    "DBInstanceStatus": "available",
                    "Endpoint": {"Address": "drill.example", "Port": 5432},
                }
            ]
        }
        r.add_response(
            "describe_db_instances", available, {"DBInstanceIdentifier": target}
        )  # the waiter
        r.add_response("describe_db_instances", available, {"DBInstanceIdentifier": target})
        r.add_response(
            "delete_db_instance",
            {},
            {
                "DBInstanceIdentifier": target,
                "SkipFinalSnapshot": True,
                "DeleteAutomatedBackups": True,
            },
        )
        stage_dim = [{"Name": "Stage", "Value": "prod"}]
        dims = [*stage_dim, {"Name": "Source", "Value": "replicated"}]
        cw.add_response(
            "put_metric_data",
            {},
            {
                "Namespace": "Reminderly/DR",
                "MetricData": [
                    {
                        "MetricName": "DrillSucceeded",
                        "Dimensions": stage_dim,
                        "Value": 1.0,
                        "Unit": "Count",
                    },
                    {
                        "MetricName": "DrillRtoSeconds",
                        "Dimensions": dims,
                        "Value": 1500.0,
                        "Unit": "Seconds",
                    },
                    {
                        "MetricName": "DrillRpoSeconds",
                        "Dimensions": dims,
                        "Value": ANY,
                        "Unit": "Seconds",
                    },
                ],
            },
        )
        seen = {}

        def verify(host, port):  # the restored instance is, here, the test database
            seen["endpoint"] = (host, port)
            return {
                "tables": restore_check.table_state(db_url),
                "latest_write": restore_check.latest_write(db_url),
            }

        # the primary's last acknowledged write at the failure instant (the drill's start); what
        # it writes while the restore runs is not loss: a second read would be an hour later
        base = restore_check.latest_write(db_url)
        later = timedelta(hours=1)  # what the primary reads once the restore is verified

        def primary_latest_write():
            return base + (later if "endpoint" in seen else timedelta(seconds=42))

        result = dr.drill(
            stage="prod",
            rds_dr=rds,
            backup_dr=backup,
            cloudwatch=cloudwatch,
            verify=verify,
            primary_latest_write=primary_latest_write,
            subnet_group="drill-subnets",
            security_groups=["sg-1"],
            clock=lambda: next(ticks),
            now=lambda: NOW,
            wait_delay=0,
        )
    assert result.succeeded and not result.breaches and result.error is None
    assert seen["endpoint"] == ("drill.example", 5432)
    assert (result.rto_seconds, result.rpo_seconds) == (1500.0, 42.0)
    assert result.verification["tables"]["messages"][0] == 4
    assert json.loads(dr.report_json(result))["target_instance"] == target


def test_a_failed_drill_still_deletes_its_instance_and_reports_failure():
    rds, backup, cloudwatch = clients()
    target = "reminderly-staging-drill-202611281200"
    with Stubber(rds) as r, Stubber(backup) as b, Stubber(cloudwatch) as cw:
        stub_points(r, b, "staging", timedelta(minutes=5), timedelta(hours=3))
        r.add_response("restore_db_instance_to_point_in_time", {}, None)
        r.add_response(
            "describe_db_instances",
            {"DBInstances": [{"DBInstanceIdentifier": target, "DBInstanceStatus": "failed"}]},
            None,
        )
        r.add_response(
            "delete_db_instance",
            {},
            {
                "DBInstanceIdentifier": target,
                "SkipFinalSnapshot": True,
                "DeleteAutomatedBackups": True,
            },
        )
        cw.add_response(
            "put_metric_data",
            {},
            {
                "Namespace": "Reminderly/DR",
                "MetricData": [
                    {
                        "MetricName": "DrillSucceeded",
                        "Dimensions": [{"Name": "Stage", "Value": "staging"}],
                        "Value": 0.0,
                        "Unit": "Count",
                    }
                ],
            },
        )
        result = dr.drill(
            stage="staging",
            rds_dr=rds,
            backup_dr=backup,
            cloudwatch=cloudwatch,
            verify=lambda h, p: pytest.fail("nothing to verify"),
            primary_latest_write=lambda: NOW,
            now=lambda: NOW,
            wait_delay=0,
        )
        r.assert_no_pending_responses()
    assert not result.succeeded and "WaiterError" in result.error


def test_status_exits_1_when_breached(monkeypatch):
    rds, backup, _ = clients()
    runner = CliRunner()
    with Stubber(rds) as r, Stubber(backup) as b:
        monkeypatch.setattr(
            dr_cli, "_client", lambda service, region: {"rds": rds, "backup": backup}[service]
        )
        monkeypatch.setattr(dr_cli, "_have_aws_credentials", lambda: True)
        stub_points(r, b, "prod", timedelta(hours=2), timedelta(hours=3))
        breached = runner.invoke(main, ["dr", "status", "--stage", "prod"])
    assert breached.exit_code == 1 and "RPO breached for prod" in breached.output


def test_a_real_drill_on_local_clusters(tmp_path):
    """pg_dump and base backup + WAL archive; a bad DELETE; the database destroyed; both
    restored; every table's count and checksum as before; no acknowledged message lost; the
    point-in-time restore brings the deleted rows back."""
    report = local_drill.run(rows=100)
    assert report.passed, report
    assert report.acknowledged_messages == 80 and report.bad_delete_rows > 0
    methods = {r.method.split(" ")[0]: r for r in report.restores}
    assert set(methods) == {"pg_dump", "point-in-time"}
    for r in report.restores:
        assert r.tables_match and r.mismatched_tables == [] and r.acknowledged_lost == 0
        assert r.rpo_seconds == 0 and r.rto_seconds > 0
    assert methods["point-in-time"].deleted_rows_back is True


@pytest.mark.parametrize(
    "args, missing",
    [
        (["dr", "status", "--stage", "prod"], [dr_cli.AWS_HINT]),
        (["dr", "failover", "--stage", "prod", "--dry-run"], [dr_cli.AWS_HINT]),
        (["dr", "failback", "--stage", "prod", "--dry-run"], [dr_cli.AWS_HINT]),
        (
            ["dr", "drill", "--stage", "prod", "--last-write-from", "database"],
            [dr_cli.DB_HINT, "PGUSER", "PGPASSWORD", dr_cli.AWS_HINT],
        ),
        (  # the primary's last write from the marker: no primary database needed
            ["dr", "drill", "--stage", "prod"],
            ["PGUSER", "PGPASSWORD", dr_cli.AWS_HINT],
        ),
    ],
)
def test_dr_commands_name_what_to_set_and_never_start_the_embedded_database(
    monkeypatch, tmp_path, args, missing
):
    """A laptop with neither AWS credentials nor a database URL: one error line naming all that
    is missing, exit 1, no AWS call and no embedded server started (issue 13)."""
    for name in (
        "DATABASE_URL",
        "PGHOST",
        "PGUSER",
        "PGPASSWORD",
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role either
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("REMINDERLY_DATA_DIR", str(tmp_path / "data"))
    calls: list[str] = []
    monkeypatch.setattr(dr_cli, "_client", lambda service, region: calls.append(service))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    command = args[1]
    assert result.output.strip().splitlines() == [
        f"error: dr {command} acts on a stage: set {'; '.join(missing)}"
    ]
    assert calls == [] and not (tmp_path / "data").exists()


def test_a_drill_with_its_settings_measures_the_stage_not_a_local_database(monkeypatch, tmp_path):
    """With the primary's URL and the credentials set, the drill reads the primary given (never
    the embedded server) before any AWS call."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://stage-primary.invalid/reminderly")
    monkeypatch.setenv("PGUSER", "reminderly_worker_login")
    monkeypatch.setenv("PGPASSWORD", "x")
    monkeypatch.setenv("REMINDERLY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(dr_cli, "_have_aws_credentials", lambda: True)
    monkeypatch.setattr(dr_cli, "_client", lambda service, region: object())
    read: list[str] = []

    def latest_write(url: str):
        read.append(url)
        raise RuntimeError("stop here")

    monkeypatch.setattr(restore_check, "latest_write", latest_write)
    result = CliRunner().invoke(
        main, ["dr", "drill", "--stage", "prod", "--last-write-from", "database"]
    )
    assert read == ["postgresql://stage-primary.invalid/reminderly"]
    # the drill reports the failed read (publishing it to the stand-in client fails here)
    assert result.exception is not None and not (tmp_path / "data").exists()
