"""`reminderly ops`: the database side on the real local database, the AWS side with moto
(CloudWatch) and botocore's Stubber (SSM OpsItems, which moto does not model)."""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner
from moto import mock_aws

from app_service import db
from app_service import dispatch_queue as dq
from app_service import sending_control as queue
from app_service.cli import main
from app_service.ops import aws
from app_service.worker.channels.outbox import OutboxChannel
from app_service.worker.runner import Worker, WorkerSettings
from tests.helpers import load_rows, make_campaign, make_due, person, statuses


@pytest.fixture
def runner(db_url, monkeypatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", db_url)
    return CliRunner()


@pytest.fixture
def due(conn, account):
    sms = make_campaign(conn, account, channel="sms", offsets=(-48,))
    email = make_campaign(conn, account, channel="email", offsets=(-48,))
    load_rows(conn, sms, [person(1), person(2)])
    load_rows(conn, email, [person(3)])
    make_due(conn)
    dq.mark_ready(conn)
    return sms, email


def test_pausing_all_or_one_channel_stops_claims_until_resumed(conn, due, runner):
    assert runner.invoke(main, ["ops", "pause", "--reason", "carrier incident"]).exit_code == 0
    assert dq.claim(conn, "w", limit=10) == []
    assert runner.invoke(main, ["ops", "resume"]).output.strip() == "sending resumed: all"
    result = runner.invoke(
        main, ["ops", "pause", "--channel", "sms", "--reason", "carrier filtering"]
    )
    assert result.output.strip() == "sending paused: sms"
    assert {m.channel for m in dq.claim(conn, "w", limit=10)} == {"email"}
    assert runner.invoke(main, ["ops", "resume", "--channel", "sms"]).exit_code == 0
    assert {m.channel for m in dq.claim(conn, "w3", limit=10)} == {"sms"}
    again = runner.invoke(main, ["ops", "resume", "--channel", "sms"])
    assert again.exit_code == 1 and again.output.strip() == "error: sms sending was not paused"
    assert runner.invoke(main, ["ops", "pause", "--reason", "x", "--channel", "fax"]).exit_code == 2


def test_pausing_a_campaign(conn, due, runner):
    sms, _ = due
    assert (
        runner.invoke(
            main, ["ops", "pause", "--campaign", str(sms), "--reason", "wrong text"]
        ).exit_code
        == 0
    )
    assert {m.campaign_id for m in dq.claim(conn, "w", limit=10)} == {due[1]}
    assert (
        runner.invoke(main, ["ops", "resume", "--campaign", str(sms)]).output.strip()
        == f"campaign {sms} active"
    )


def test_replay_dead_with_a_dry_run_and_filters(conn, account, runner):
    campaign = make_campaign(conn, account, offsets=(-48,), max_attempts=1)
    load_rows(conn, campaign, [person(1), person(2), person(3)])
    make_due(conn)
    dq.mark_ready(conn)
    claimed = dq.claim(conn, "w", limit=10)
    dq.fail(
        conn,
        "w",
        [
            (claimed[0].id, "ThrottlingException: rate exceeded", False),
            (claimed[1].id, "ThrottlingException: rate exceeded", False),
            (claimed[2].id, "ServiceUnavailable", False),
        ],
    )
    assert statuses(conn) == {"dead": 3}
    dry = runner.invoke(main, ["ops", "replay-dead", "--error", "throttling", "--dry-run"])
    assert dry.output.strip() == "2 dead messages would be replayed" and statuses(conn) == {
        "dead": 3
    }
    done = runner.invoke(
        main, ["ops", "replay-dead", "--error", "throttling", "--campaign", str(campaign)]
    )
    assert done.output.strip() == "2 dead messages were replayed"
    assert statuses(conn) == {"retry": 2, "dead": 1}
    assert conn.execute(
        "SELECT DISTINCT attempts FROM messages WHERE status = 'retry'"
    ).fetchall() == [(0,)]
    assert queue.replay_dead(conn, since=None, dry_run=True) == 1


def test_a_worker_drains_when_asked(conn, db_url, account, runner):
    pool = db.open_pool(db_url, max_size=4)
    worker = Worker(
        pool,
        {"sms": OutboxChannel(pool)},
        WorkerSettings(
            tick_seconds=0.05, idle_sleep_seconds=0.05, heartbeat_seconds=0.1, link_secret="s"
        ),
        name="test-worker-1",
        emit_metrics=None,
    )
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        for _ in range(100):
            if "test-worker-1" in runner.invoke(main, ["ops", "workers"]).output:
                break
            time.sleep(0.05)
        assert (
            runner.invoke(main, ["ops", "drain-worker", "test-worker-1"]).output.strip()
            == "drain requested: test-worker-1"
        )
        thread.join(timeout=10)
        assert not thread.is_alive()
    finally:
        worker.request_stop()
        thread.join(timeout=10)
        pool.close()
    assert conn.execute(
        "SELECT state FROM worker_heartbeats WHERE worker = 'test-worker-1'"
    ).fetchone() == ("stopped",)
    missing = runner.invoke(main, ["ops", "drain-worker", "test-worker-1"])
    assert missing.exit_code == 1 and "no running worker" in missing.output


def test_status_without_aws_reads_the_queue(conn, due, runner):
    runner.invoke(main, ["ops", "pause", "--channel", "email", "--reason", "SES review"])
    out = json.loads(
        runner.invoke(main, ["ops", "status", "--stage", "dev", "--no-aws", "--json"]).output
    )
    assert out["queue"]["ready"] == 3 and out["queue"]["dead"] == 0
    assert [p["scope"] for p in out["pauses"]] == ["email"]
    text = runner.invoke(main, ["ops", "status", "--stage", "dev", "--no-aws"]).output
    assert "3 ready" in text and "PAUSED email: SES review" in text


@mock_aws
def test_alarms_in_alarm_are_the_stages_with_their_runbooks():
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    for name in (
        "reminderly-prod-dead-messages",
        "reminderly-prod-rds-cpu-high",
        "reminderly-staging-dead-messages",
    ):
        cw.put_metric_alarm(
            AlarmName=name,
            AlarmDescription=f"x. Runbook: https://example/runbooks/{name.split('-', 2)[2]}.md",
            MetricName="M",
            Namespace="N",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=0,
            ComparisonOperator="GreaterThanThreshold",
        )
    cw.set_alarm_state(
        AlarmName="reminderly-prod-dead-messages", StateValue="ALARM", StateReason="3 dead"
    )
    cw.set_alarm_state(
        AlarmName="reminderly-staging-dead-messages", StateValue="ALARM", StateReason="1 dead"
    )
    found = aws.alarms_in_alarm(cw, "prod")
    assert [(a["name"], a["reason"], a["runbook"]) for a in found] == [
        ("reminderly-prod-dead-messages", "3 dead", "https://example/runbooks/dead-messages.md")
    ]


def test_opsitems_are_listed_acknowledged_and_resolved_with_exact_calls():
    ssm = boto3.client("ssm", region_name="us-east-1")
    with Stubber(ssm) as stub:
        stub.add_response(
            "describe_ops_items",
            {
                "OpsItemSummaries": [
                    {
                        "OpsItemId": "oi-123",
                        "Title": "reminderly-prod-dead-messages",
                        "Status": "Open",
                        "Severity": "2",
                    }
                ]
            },
            {
                "OpsItemFilters": [
                    {"Key": "Status", "Values": ["Open", "InProgress"], "Operator": "Equal"},
                    {"Key": "Title", "Values": ["reminderly-prod-"], "Operator": "Contains"},
                ],
                "MaxResults": 50,
            },
        )
        stub.add_response(
            "update_ops_item",
            {},
            {
                "OpsItemId": "oi-123",
                "Status": "InProgress",
                "OperationalData": {
                    "/reminderly/note": {"Value": "ana: looking", "Type": "String"}
                },
            },
        )
        stub.add_response(
            "update_ops_item",
            {},
            {
                "OpsItemId": "oi-123",
                "Status": "Resolved",
                "OperationalData": {
                    "/reminderly/note": {"Value": "ana: replayed 2", "Type": "String"}
                },
            },
        )
        assert aws.open_ops_items(ssm, "prod")[0]["id"] == "oi-123"
        aws.acknowledge_ops_item(ssm, "oi-123", "looking", "ana")
        aws.resolve_ops_item(ssm, "oi-123", "replayed 2", "ana")
        stub.assert_no_pending_responses()


def test_status_with_aws_names_the_alarms(conn, due, runner, monkeypatch):
    from app_service.cli import ops as ops_cli

    with mock_aws():
        cw = boto3.client("cloudwatch", region_name="us-east-1")
        cw.put_metric_alarm(
            AlarmName="reminderly-dev-oldest-ready-message-age",
            AlarmDescription="late. Runbook: r",
            MetricName="M",
            Namespace="N",
            Statistic="Maximum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=300,
            ComparisonOperator="GreaterThanThreshold",
        )
        cw.set_alarm_state(
            AlarmName="reminderly-dev-oldest-ready-message-age",
            StateValue="ALARM",
            StateReason="late",
        )
        ssm = boto3.client("ssm", region_name="us-east-1")
        stub = Stubber(ssm)
        stub.add_response("describe_ops_items", {"OpsItemSummaries": []})
        stub.activate()
        monkeypatch.setattr(
            ops_cli, "_aws_client", lambda service, region: cw if service == "cloudwatch" else ssm
        )
        out = runner.invoke(main, ["ops", "status", "--stage", "dev"]).output
    assert "alarms in ALARM: 1" in out and "reminderly-dev-oldest-ready-message-age: late" in out
    assert "open OpsItems: 0" in out


def test_ops_never_start_the_embedded_database(monkeypatch, tmp_path):
    """A laptop without a database URL gets one error line naming what to set, and no
    embedded server is started (issue 13: `ops status --stage prod` used to start one)."""
    from click.testing import CliRunner

    from app_service.cli import main

    for name in ("DATABASE_URL", "PGHOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REMINDERLY_DATA_DIR", str(tmp_path / "data"))
    for args in (["ops", "status", "--stage", "prod", "--no-aws"], ["ops", "resume"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        assert result.output.startswith(
            "error: ops commands act on a stage's database: set DATABASE_URL"
        )
        assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists()
