"""The AWS side of operations, through boto3: alarms in ALARM for a stage, and the OpsCenter
OpsItems the alarms open (the engineering issue tracker: alarms open them, engineers
acknowledge and resolve them with a note). Clients are passed in, so tests give moto's or a
Stubber's."""

from __future__ import annotations

from typing import Any

from deploy_contract.naming import resource_prefix


def prefix(stage: str) -> str:
    return f"{resource_prefix(stage)}-"


def alarms_in_alarm(cloudwatch: Any, stage: str) -> list[dict]:
    """Metric and composite alarms of the stage now in ALARM: name, reason, since, runbook."""
    out = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=prefix(stage),
        StateValue="ALARM",
        AlarmTypes=["MetricAlarm", "CompositeAlarm"],
    ):
        for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
            if alarm.get("StateValue") != "ALARM":  # the filter, checked (moto ignores it)
                continue
            description = alarm.get("AlarmDescription", "")
            runbook = (
                description.rsplit("Runbook: ", 1)[1].strip()
                if "Runbook: " in description
                else None
            )
            out.append(
                {
                    "name": alarm["AlarmName"],
                    "reason": alarm.get("StateReason", ""),
                    "since": alarm.get("StateUpdatedTimestamp"),
                    "runbook": runbook,
                }
            )
    return out


def open_ops_items(ssm: Any, stage: str) -> list[dict]:
    """Open and in-progress OpsItems whose title names one of the stage's alarms."""
    response = ssm.describe_ops_items(
        OpsItemFilters=[
            {"Key": "Status", "Values": ["Open", "InProgress"], "Operator": "Equal"},
            {"Key": "Title", "Values": [prefix(stage)], "Operator": "Contains"},
        ],
        MaxResults=50,
    )
    return [
        {
            "id": s["OpsItemId"],
            "title": s.get("Title", ""),
            "status": s.get("Status"),
            "severity": s.get("Severity"),
            "created": s.get("CreatedTime"),
        }
        for s in response.get("OpsItemSummaries", [])
    ]


def _note(text: str, who: str) -> dict:
    return {"/reminderly/note": {"Value": f"{who}: {text}", "Type": "String"}}


def acknowledge_ops_item(ssm: Any, ops_item_id: str, note: str, who: str) -> None:
    ssm.update_ops_item(
        OpsItemId=ops_item_id, Status="InProgress", OperationalData=_note(note, who)
    )


def resolve_ops_item(ssm: Any, ops_item_id: str, note: str, who: str) -> None:
    ssm.update_ops_item(OpsItemId=ops_item_id, Status="Resolved", OperationalData=_note(note, who))
