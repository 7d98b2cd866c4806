"""The DR vault's copies restored by the drill (botocore Stubber: every parameter asserted), the
primary's last-write marker the drill in the DR region reads (published by the worker on its
heartbeat, against the real database), and the drill failing loudly when the marker is stale."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from app_service.cli import dr as dr_cli
from app_service.cli import main
from app_service.ops import dr, restore_check, write_marker
from tests.test_dr import ARN, NOW

DR = "us-west-2"
VAULT = "reminderly-prod-dr-vault"
COPY = "arn:aws:rds:us-west-2:410987654321:snapshot:awsbackup:copyjob-4f1e"
OLDER = "arn:aws:rds:us-west-2:410987654321:snapshot:awsbackup:copyjob-0a2b"
MARKER = "/reminderly/prod/dr/primary-last-write"


def stubbed(*services: str):
    made = [boto3.client(s, region_name=DR) for s in services]
    return made, [Stubber(c) for c in made]


def vault_points(b: Stubber, stage: str = "prod") -> None:
    """The DR vault: an older copy, the newest completed copy, a copy still running (newer),
    and a completed recovery point of another resource type (newest of all)."""
    b.add_response(
        "list_recovery_points_by_backup_vault",
        {
            "RecoveryPoints": [
                {
                    "RecoveryPointArn": OLDER,
                    "Status": "COMPLETED",
                    "ResourceType": "RDS",
                    "CreationDate": NOW - timedelta(days=2),
                },
                {
                    "RecoveryPointArn": COPY,
                    "Status": "COMPLETED",
                    "ResourceType": "RDS",
                    "CreationDate": NOW - timedelta(hours=7),
                },
                {
                    "RecoveryPointArn": COPY + "-running",
                    "Status": "RUNNING",
                    "ResourceType": "RDS",
                    "CreationDate": NOW,
                },
                {
                    "RecoveryPointArn": "arn:aws:backup:us-west-2:1:recovery-point:ebs",
                    "Status": "COMPLETED",
                    "ResourceType": "EBS",
                    "CreationDate": NOW - timedelta(hours=1),
                },
            ]
        },
        {"BackupVaultName": f"reminderly-{stage}-dr-vault", "MaxResults": 100},
    )


def replicated(r: Stubber, stage: str = "prod") -> None:
    r.add_response(
        "describe_db_instance_automated_backups",
        {
            "DBInstanceAutomatedBackups": [
                {
                    "DBInstanceAutomatedBackupsArn": ARN,
                    "Status": "replicating",
                    "RestoreWindow": {"LatestTime": NOW - timedelta(minutes=4)},
                }
            ]
        },
        {"DBInstanceIdentifier": f"reminderly-{stage}-postgres"},
    )


def test_the_vault_drill_restores_the_newest_copy_into_the_standby_groups_and_verifies_it(
    db_url, conn, campaign
):
    from tests.helpers import load_rows, person

    load_rows(conn, campaign, [person(1), person(2), person(3)])
    (rds, backup, cloudwatch), (r, b, cw) = stubbed("rds", "backup", "cloudwatch")
    target = "reminderly-prod-vault-drill-202611281200"
    restored_newest = restore_check.latest_write(db_url)
    with r, b, cw:
        replicated(r)
        vault_points(b)
        r.add_response(
            "restore_db_instance_from_db_snapshot",
            {"DBInstance": {"DBInstanceIdentifier": target}},
            {
                "DBInstanceIdentifier": target,
                "DBSnapshotIdentifier": COPY,
                "DBInstanceClass": "db.t4g.medium",
                "MultiAZ": False,
                "PubliclyAccessible": False,
                "DeletionProtection": False,
                "CopyTagsToSnapshot": False,
                "Tags": [{"Key": "reminderly:drill", "Value": "prod"}],
                "DBSubnetGroupName": "reminderly-prod-dr-data",
                "VpcSecurityGroupIds": ["sg-0standby"],
                "DBParameterGroupName": "reminderly-prod-dr-postgres18",
            },
        )
        available = {
            "DBInstances": [
                {
                    "DBInstanceIdentifier": target,
                    "DBInstanceStatus": "available",
                    "Endpoint": {"Address": "vault-drill.rds", "Port": 5432},
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
        cw.add_response(
            "put_metric_data",
            {},
            {
                "Namespace": "Reminderly/DR",
                "MetricData": [
                    {
                        "MetricName": "DrillSucceeded",
                        "Dimensions": [{"Name": "Stage", "Value": "prod"}],
                        "Value": 1.0,
                        "Unit": "Count",
                    },
                    {
                        "MetricName": "DrillRtoSeconds",
                        "Dimensions": [
                            {"Name": "Stage", "Value": "prod"},
                            {"Name": "Source", "Value": "vault"},
                        ],
                        "Value": 2400.0,
                        "Unit": "Seconds",
                    },
                    {
                        "MetricName": "DrillRpoSeconds",
                        "Dimensions": [
                            {"Name": "Stage", "Value": "prod"},
                            {"Name": "Source", "Value": "vault"},
                        ],
                        "Value": 6 * 3600.0,
                        "Unit": "Seconds",
                    },
                ],
            },
        )
        seen = {}

        def verify(host, port):  # the restored copy is, here, the test database
            seen["endpoint"] = (host, port)
            return {
                "tables": restore_check.table_state(db_url),
                "latest_write": restore_check.latest_write(db_url),
            }

        ticks = iter([10.0, 2410.0])
        result = dr.drill(
            stage="prod",
            source="vault",
            rds_dr=rds,
            backup_dr=backup,
            cloudwatch=cloudwatch,
            verify=verify,
            primary_latest_write=lambda: restored_newest + timedelta(hours=6),
            subnet_group="reminderly-prod-dr-data",
            security_groups=["sg-0standby"],
            parameter_group="reminderly-prod-dr-postgres18",
            clock=lambda: next(ticks),
            now=lambda: NOW,
            wait_delay=0,
        )
        for stub in (r, b, cw):
            stub.assert_no_pending_responses()
    # the vault path's RPO is a day's copy (6 h here is within it); prod's 15 minutes is the replica's
    assert result.succeeded and not result.breaches, result
    assert (result.source, result.restored_from, result.target_instance) == ("vault", COPY, target)
    assert seen["endpoint"] == ("vault-drill.rds", 5432)
    assert result.verification["tables"]["messages"][0] == 6
    assert (result.rto_seconds, result.rpo_seconds) == (2400.0, 21600.0)


def test_a_vault_copy_older_than_a_day_breaches_and_no_copy_fails_the_drill():
    (rds, backup, cloudwatch), (r, b, cw) = stubbed("rds", "backup", "cloudwatch")
    stage = [{"Name": "Stage", "Value": "staging"}]
    with r, b, cw:
        replicated(r, "staging")
        b.add_response(
            "list_recovery_points_by_backup_vault",
            {
                "RecoveryPoints": [
                    {
                        "RecoveryPointArn": COPY,
                        "Status": "RUNNING",
                        "ResourceType": "RDS",
                        "CreationDate": NOW,
                    }
                ]
            },
            {"BackupVaultName": "reminderly-staging-dr-vault", "MaxResults": 100},
        )
        cw.add_response(
            "put_metric_data",
            {},
            {
                "Namespace": "Reminderly/DR",
                "MetricData": [
                    {
                        "MetricName": "DrillSucceeded",
                        "Dimensions": stage,
                        "Value": 0.0,
                        "Unit": "Count",
                    }
                ],
            },
        )
        result = dr.drill(
            stage="staging",
            source="vault",
            rds_dr=rds,
            backup_dr=backup,
            cloudwatch=cloudwatch,
            verify=lambda h, p: pytest.fail("nothing restored"),
            primary_latest_write=lambda: NOW,
            now=lambda: NOW,
            wait_delay=0,
        )
        for stub in (r, b, cw):
            stub.assert_no_pending_responses()
    assert (
        not result.succeeded
        and result.error == "no completed recovery point in reminderly-staging-dr-vault"
    )
    late = dr.DrillResult(
        "prod",
        "t",
        NOW.isoformat(),
        source="vault",
        rto_seconds=60.0,
        rpo_seconds=27 * 3600.0,
        succeeded=True,
    )
    (_, _, cloudwatch2), (_, _, cw2) = stubbed("rds", "backup", "cloudwatch")
    with cw2:
        cw2.add_response("put_metric_data", {}, None)
        dr._publish(cloudwatch2, late, dr.objectives_for("prod", "vault"))
    assert late.breaches == ["RPO 97200 s > 93600 s"]


def test_the_marker_is_published_at_most_every_interval_and_read_back():
    (ssm,), (s,) = stubbed("ssm")
    clock = iter([0.0, 10.0, 31.0])  # after the first put; the two later checks
    beat = datetime(2026, 11, 30, 8, 59, 58, tzinfo=UTC)
    publish = write_marker.MarkerPublisher(
        ssm, MARKER, every_seconds=30, clock=lambda: next(clock), now=lambda: NOW
    )
    value = json.dumps({"newest_write": beat.isoformat(), "published_at": NOW.isoformat()})
    with s:
        s.add_response(
            "put_parameter",
            {"Version": 2},
            {"Name": MARKER, "Value": value, "Type": "String", "Overwrite": True},
        )
        later = beat + timedelta(seconds=31)
        s.add_client_error(
            "put_parameter",
            "ThrottlingException",
            expected_params={
                "Name": MARKER,
                "Value": json.dumps(
                    {"newest_write": later.isoformat(), "published_at": NOW.isoformat()}
                ),
                "Type": "String",
                "Overwrite": True,
            },
        )
        assert publish(beat) is True
        assert publish(beat + timedelta(seconds=10)) is False  # within the interval: no call
        assert publish(later) is False  # throttled: logged, retried at the next heartbeat
        s.add_response(
            "get_parameter", {"Parameter": {"Name": MARKER, "Value": value}}, {"Name": MARKER}
        )
        s.add_response(
            "get_parameter", {"Parameter": {"Name": MARKER, "Value": value}}, {"Name": MARKER}
        )
        assert (
            write_marker.latest_write_reader(ssm, MARKER, now=lambda: beat + timedelta(minutes=4))()
            == beat
        )
        with pytest.raises(write_marker.StaleMarker, match="360 s old"):
            write_marker.latest_write_reader(ssm, MARKER, now=lambda: beat + timedelta(minutes=6))()
        s.assert_no_pending_responses()


def test_a_stale_marker_fails_the_drill_before_anything_is_restored():
    (rds, backup, cloudwatch, ssm), (r, b, cw, s) = stubbed("rds", "backup", "cloudwatch", "ssm")
    old = NOW - timedelta(hours=2)
    with r, b, cw, s:
        s.add_response(
            "get_parameter",
            {
                "Parameter": {
                    "Value": json.dumps(
                        {"newest_write": old.isoformat(), "published_at": old.isoformat()}
                    )
                }
            },
            {"Name": MARKER},
        )
        cw.add_response(
            "put_metric_data",
            {},
            {
                "Namespace": "Reminderly/DR",
                "MetricData": [
                    {
                        "MetricName": "DrillSucceeded",
                        "Dimensions": [{"Name": "Stage", "Value": "prod"}],
                        "Value": 0.0,
                        "Unit": "Count",
                    }
                ],
            },
        )
        result = dr.drill(
            stage="prod",
            rds_dr=rds,
            backup_dr=backup,
            cloudwatch=cloudwatch,
            verify=lambda h, p: pytest.fail("nothing restored"),
            primary_latest_write=write_marker.latest_write_reader(ssm, MARKER, now=lambda: NOW),
            now=lambda: NOW,
        )
        for stub in (r, b, cw, s):
            stub.assert_no_pending_responses()  # no restore, no vault listing: only the failure published
    assert not result.succeeded and "StaleMarker" in result.error and "7200 s old" in result.error


@pytest.fixture
def pool(db_url):
    from app_service import db

    p = db.open_pool(db_url, max_size=4)
    yield p
    p.close()


def test_the_worker_hands_each_committed_heartbeat_to_the_marker(pool, conn, db_url):
    """The marker's value is the heartbeat the database committed, which the restored copy's
    newest write counts too (restore_check.latest_write): RPO compares like with like."""
    from app_service.worker.channels.outbox import OutboxChannel
    from app_service.worker.runner import Worker, WorkerSettings

    beats: list[datetime] = []
    worker = Worker(
        pool,
        {"sms": OutboxChannel(pool)},
        WorkerSettings(tick_seconds=0.05, heartbeat_seconds=0.0),
        emit_metrics=None,
        on_beat=beats.append,
    )
    worker.run(until_idle=True)
    assert len(beats) >= 2  # running, then stopped
    (stored,) = conn.execute(
        "SELECT beat_at FROM worker_heartbeats WHERE worker = %s", [worker.name]
    ).fetchone()
    assert beats[-1] == stored
    assert restore_check.latest_write(db_url) >= stored


def test_the_worker_publishes_only_where_the_stage_sets_the_marker(monkeypatch):
    from app_service.cli.worker import last_write_marker
    from app_service.config import Settings

    monkeypatch.delenv("REMINDERLY_LAST_WRITE_PARAMETER", raising=False)
    assert last_write_marker(Settings.from_env()) is None
    monkeypatch.setenv("REMINDERLY_LAST_WRITE_PARAMETER", MARKER)
    monkeypatch.setenv("REMINDERLY_DR_REGION", DR)
    made = last_write_marker(Settings.from_env())
    assert isinstance(made, write_marker.MarkerPublisher) and made.parameter == MARKER
    assert made.ssm.meta.region_name == DR


def test_the_cli_drills_both_sources_and_exits_1_when_one_fails(monkeypatch):
    """`dr drill --source all` (what the schedule runs): the marker from the DR region's SSM,
    the replicated path first, then the vault; a failure of either fails the command."""
    (rds, backup, cloudwatch, ssm), (r, b, cw, s) = stubbed("rds", "backup", "cloudwatch", "ssm")
    monkeypatch.setenv("PGUSER", "reminderly_worker_login")
    monkeypatch.setenv("PGPASSWORD", "x")
    monkeypatch.setattr(dr_cli, "_have_aws_credentials", lambda: True)
    monkeypatch.setattr(
        dr_cli,
        "_client",
        lambda service, region: (
            {"rds": rds, "backup": backup, "cloudwatch": cloudwatch, "ssm": ssm}[service]
            if region == DR
            else pytest.fail(region)
        ),
    )
    fresh = datetime.now(UTC)
    value = json.dumps({"newest_write": fresh.isoformat(), "published_at": fresh.isoformat()})
    with r, b, cw, s:
        for _source in ("replicated", "vault"):  # each drill reads the marker and the points
            s.add_response("get_parameter", {"Parameter": {"Value": value}}, {"Name": MARKER})
            r.add_response(
                "describe_db_instance_automated_backups",
                {"DBInstanceAutomatedBackups": []},
                {"DBInstanceIdentifier": "reminderly-prod-postgres"},
            )
            b.add_response(
                "list_recovery_points_by_backup_vault",
                {"RecoveryPoints": []},
                {"BackupVaultName": VAULT, "MaxResults": 100},
            )
            cw.add_response(
                "put_metric_data",
                {},
                {
                    "Namespace": "Reminderly/DR",
                    "MetricData": [
                        {
                            "MetricName": "DrillSucceeded",
                            "Dimensions": [{"Name": "Stage", "Value": "prod"}],
                            "Value": 0.0,
                            "Unit": "Count",
                        }
                    ],
                },
            )
        out = CliRunner().invoke(main, ["dr", "drill", "--stage", "prod", "--source", "all"])
        for stub in (r, b, cw, s):
            stub.assert_no_pending_responses()
    assert out.exit_code == 1
    assert "replicated: no replicated automated backup" in out.output
    assert "vault: no completed recovery point in reminderly-prod-dr-vault" in out.output


def test_a_refused_restore_or_a_failed_cleanup_is_published_as_a_failed_drill():
    """Every failure reaches the alarms: a restore the API refuses (nothing to delete), and an
    instance that could not be deleted after a good verification (it would run up costs)."""
    (rds, backup, cloudwatch), (r, b, cw) = stubbed("rds", "backup", "cloudwatch")
    failed = {
        "Namespace": "Reminderly/DR",
        "MetricData": [
            {
                "MetricName": "DrillSucceeded",
                "Dimensions": [{"Name": "Stage", "Value": "dev"}],
                "Value": 0.0,
                "Unit": "Count",
            }
        ],
    }
    with r, b, cw:
        replicated(r, "dev")
        vault_points(b, "dev")
        r.add_client_error("restore_db_instance_from_db_snapshot", "AccessDenied", "not allowed")
        cw.add_response("put_metric_data", {}, failed)
        refused = dr.drill(
            stage="dev",
            source="vault",
            rds_dr=rds,
            backup_dr=backup,
            cloudwatch=cloudwatch,
            verify=lambda h, p: pytest.fail("nothing restored"),
            primary_latest_write=lambda: NOW,
            now=lambda: NOW,
            wait_delay=0,
        )
        target = "reminderly-dev-drill-202611281200"
        replicated(r, "dev")
        vault_points(b, "dev")
        r.add_response("restore_db_instance_to_point_in_time", {}, None)
        available = {
            "DBInstances": [
                {
                    "DBInstanceIdentifier": target,
                    "DBInstanceStatus": "available",
                    "Endpoint": {"Address": "d.rds", "Port": 5432},
                }
            ]
        }
        r.add_response("describe_db_instances", available, None)
        r.add_response("describe_db_instances", available, None)
        r.add_client_error(
            "delete_db_instance",
            "ThrottlingException",
            "slow down",
            expected_params={
                "DBInstanceIdentifier": target,
                "SkipFinalSnapshot": True,
                "DeleteAutomatedBackups": True,
            },
        )
        cw.add_response("put_metric_data", {}, None)
        left = dr.drill(
            stage="dev",
            rds_dr=rds,
            backup_dr=backup,
            cloudwatch=cloudwatch,
            verify=lambda h, p: {"tables": {}, "latest_write": NOW},
            primary_latest_write=lambda: NOW,
            now=lambda: NOW,
            wait_delay=0,
        )
        for stub in (r, b, cw):
            stub.assert_no_pending_responses()
    assert (
        not refused.succeeded
        and refused.error.startswith("ClientError")
        and "AccessDenied" in refused.error
    )
    assert not left.succeeded and f"{target} not deleted" in left.error
