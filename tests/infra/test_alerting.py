"""Alerting on the synthesized monitoring and service stacks: each alarm's OpsItem severity and
whether it pages follow its runbook's front matter; the paging topic reaches the configured
on-call endpoint; the failure rate moves in a provider outage; the alarms for a database
outage, SES reputation, undelivered inbound events (with their dead-letter queue) and a failed
migration exist and watch the right resources."""

from __future__ import annotations

import json
import re

import pytest

from app_service import PROJECT_ROOT

from .conftest import TEST_STAGES, resources

OPSITEM = {"page": "1", "high": "2", "medium": "3", "low": "4"}  # OpsCenter severities


def front_matter_severity(alarm_id: str) -> str:
    text = (PROJECT_ROOT / "runbooks" / f"{alarm_id}.md").read_text()
    return re.search(r"^severity: (\w+)$", text, re.M).group(1)


def alarms(templates, stage: str) -> dict[str, dict]:
    raw = templates[f"reminderly-{stage}-monitoring"]
    return {
        a["Properties"]["AlarmName"].removeprefix(f"reminderly-{stage}-"): a["Properties"]
        for a in resources(raw, "AWS::CloudWatch::Alarm").values()
    }


def paging_topic_ref(templates, stage: str) -> dict:
    raw = templates[f"reminderly-{stage}-monitoring"]
    (topic_id,) = [
        k
        for k, v in resources(raw, "AWS::SNS::Topic").items()
        if v["Properties"]["TopicName"] == f"reminderly-{stage}-paging"
    ]
    return {"Ref": topic_id}


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_runbook_severity_drives_opsitem_and_paging(templates, stage):
    topic = paging_topic_ref(templates, stage)
    paging = 0
    for alarm_id, props in alarms(templates, stage).items():
        severity = front_matter_severity(alarm_id)
        actions = props["AlarmActions"]
        (opsitem,) = [json.dumps(a) for a in actions if "opsitem" in json.dumps(a)]
        assert re.search(rf":opsitem:{OPSITEM[severity]}#", opsitem), (alarm_id, severity, opsitem)
        pages = topic in actions
        assert pages == (severity in ("page", "high")), (alarm_id, severity)
        paging += pages
    assert paging >= 15  # the high alarms page: nobody is left unpaged for an outage
    raw = templates[f"reminderly-{stage}-monitoring"]
    (composite,) = resources(raw, "AWS::CloudWatch::CompositeAlarm").values()
    assert front_matter_severity("service-degraded") == "page"
    assert composite["Properties"]["AlarmActions"] == [topic]


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_the_paging_topic_reaches_the_configured_on_call(templates, stage):
    raw = templates[f"reminderly-{stage}-monitoring"]
    (subscription,) = resources(raw, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["TopicArn"] == paging_topic_ref(templates, stage)
    assert subscription["Properties"]["Endpoint"] == TEST_STAGES[stage].paging_subscription
    assert subscription["Properties"]["Protocol"] == "https"


def _evaluate(expression: str, **values: float) -> float:
    """CloudWatch metric math of the forms used here, at one point in time."""
    python = re.sub(r"FILL\((\w+), 0\)", r"\1", expression).replace("MAX([", "max([")
    assert re.fullmatch(r"[\w\s+*/().,\[\]-]+", python), python
    return eval(python, {"max": max}, values)


def test_the_failure_rate_counts_what_a_provider_outage_produces(templates):
    rate = alarms(templates, "prod")["dispatch-failure-rate"]
    (expression,) = [m["Expression"] for m in rate["Metrics"] if "Expression" in m]
    names = {
        m["Id"]: m["MetricStat"]["Metric"]["MetricName"]
        for m in rate["Metrics"]
        if "MetricStat" in m
    }
    assert sorted(names.values()) == [
        "MessagesDead",
        "MessagesFailed",
        "MessagesRetried",
        "MessagesSent",
    ]
    by_name = {v: k for k, v in names.items()}

    def at(sent=0.0, retried=0.0, failed=0.0, dead=0.0) -> float:
        return _evaluate(
            expression,
            **{
                by_name["MessagesSent"]: sent,
                by_name["MessagesRetried"]: retried,
                by_name["MessagesFailed"]: failed,
                by_name["MessagesDead"]: dead,
            },
        )

    assert at(sent=100, retried=50) > rate["Threshold"]  # an outage: everything retries
    assert at(sent=100, dead=10) > rate["Threshold"]
    assert at(sent=1000, failed=3) < rate["Threshold"]  # normal noise
    assert at() == 0  # nothing sent: no division by zero


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_database_and_ses_alarms(templates, stage):
    a = alarms(templates, stage)
    db = a["database-unavailable"]
    assert (db["MetricName"], db["Statistic"], db["TreatMissingData"]) == (
        "DatabaseConnections",
        "SampleCount",
        "breaching",
    )
    assert (
        db["ComparisonOperator"] == "LessThanThreshold"
        and db["Period"] * db["EvaluationPeriods"] == 180
    )
    assert {"DBInstanceIdentifier"} == {d["Name"] for d in db["Dimensions"]}
    bounce, complaint = a["ses-bounce-rate-high"], a["ses-complaint-rate-high"]
    assert (bounce["Namespace"], bounce["MetricName"]) == ("AWS/SES", "Reputation.BounceRate")
    assert (complaint["Namespace"], complaint["MetricName"]) == (
        "AWS/SES",
        "Reputation.ComplaintRate",
    )
    assert bounce["Threshold"] < 0.05 and complaint["Threshold"] < 0.001  # before AWS's review
    raw = templates[f"reminderly-{stage}-monitoring"]
    (composite,) = resources(raw, "AWS::CloudWatch::CompositeAlarm").values()
    (db_id,) = [
        k
        for k, v in resources(raw, "AWS::CloudWatch::Alarm").items()
        if v["Properties"]["AlarmName"] == f"reminderly-{stage}-database-unavailable"
    ]
    assert {"Fn::GetAtt": [db_id, "Arn"]} in composite["Properties"]["AlarmRule"]["Fn::Join"][1]


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_undelivered_inbound_events_land_in_an_encrypted_dlq_and_alarm(templates, stage):
    service = templates[f"reminderly-{stage}-service"]
    (subscription,) = resources(service, "AWS::SNS::Subscription").values()
    target = subscription["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]
    queue_id = target["Fn::GetAtt"][0]
    queue = service["Resources"][queue_id]["Properties"]
    assert queue["QueueName"] == f"reminderly-{stage}-inbound-dlq"
    assert "KmsMasterKeyId" in queue and queue["MessageRetentionPeriod"] == 14 * 86400
    (policy,) = [
        p["Properties"]
        for p in resources(service, "AWS::SQS::QueuePolicy").values()
        if {"Ref": queue_id} in p["Properties"]["Queues"]
    ]
    assert any(
        s.get("Principal") == {"Service": "sns.amazonaws.com"} and s["Action"] == "sqs:SendMessage"
        for s in policy["PolicyDocument"]["Statement"]
    )
    alarm = alarms(templates, stage)["inbound-delivery-failures"]
    watched = {
        m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m
    }
    assert watched == {"NumberOfNotificationsFailed", "ApproximateNumberOfMessagesVisible"}
    assert front_matter_severity("inbound-delivery-failures") in ("page", "high")


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_a_failed_migration_task_alarms(templates, stage):
    service = templates[f"reminderly-{stage}-service"]
    ((rule_id, rule),) = [
        (k, v["Properties"])
        for k, v in resources(service, "AWS::Events::Rule").items()
        if v["Properties"]["Name"].endswith("-migration-failed")
    ]
    pattern = rule["EventPattern"]
    assert pattern["detail-type"] == ["ECS Task State Change"]
    assert pattern["detail"]["lastStatus"] == ["STOPPED"]
    (taskdef,) = pattern["detail"]["taskDefinitionArn"]
    migrate = service["Resources"][taskdef["Ref"]]["Properties"]["ContainerDefinitions"][0][
        "Command"
    ]
    assert migrate[:3] == ["reminderly", "db", "migrate"]
    assert {"containers": {"exitCode": [{"anything-but": 0}]}} in pattern["detail"]["$or"]
    assert rule["Targets"][0]["Arn"]["Fn::GetAtt"][1] == "Arn"  # events kept in a queue
    alarm = alarms(templates, stage)["migration-failed"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Events", "TriggeredRules")
    assert alarm["Dimensions"][0]["Name"] == "RuleName"
    assert rule["Name"] == f"reminderly-{stage}-migration-failed"
    assert rule_id


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_the_dashboard_graphs_every_alarm_by_its_runbook_id(templates, stage):
    raw = templates[f"reminderly-{stage}-monitoring"]
    (board,) = resources(raw, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(board["Properties"]["DashboardBody"])
    for alarm_id in alarms(templates, stage):
        assert f'\\"title\\":\\"{alarm_id}\\"' in body, alarm_id
    alarm_ids = {k for k, v in resources(raw, "AWS::CloudWatch::Alarm").items()}
    graphed = {i for i in alarm_ids if body.count(f'"{i}"') >= 2}  # status widget + its graph
    assert graphed == alarm_ids


def test_a_silent_dr_replica_alarms(templates):
    """prod's RPO rests on the cross-region replica: one that stops reporting ReplicaLag
    (replication stopped, the replica broken or deleted) must alarm, not read as no lag."""
    raw = templates["reminderly-prod-dr-monitoring"]
    (lag,) = [
        a["Properties"]
        for a in resources(raw, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["AlarmName"] == "reminderly-prod-replica-lag-high"
    ]
    assert (lag["MetricName"], lag["TreatMissingData"]) == ("ReplicaLag", "breaching")
    assert lag["ActionsEnabled"] is True
