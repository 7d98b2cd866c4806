"""The one factory of the stages' alarms: each carries its runbook. Every alarm description
links runbooks/<alarm-id>.md, and the severity in that runbook's front matter decides the
OpsItem's severity and whether the alarm pages (one source of truth: change the runbook, the
alarm follows at next deploy). `RunbookAlarm` watches a metric or a metric-math expression;
`RunbookCompositeAlarm` combines alarms. (The worker's scaling makes its own CloudWatch alarms:
they trigger scaling and notify nobody.)"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from cdk.config import StageConfig
from stacks import ROOT
from stacks.parts.unit import Unit

RUNBOOKS = ROOT / "runbooks"


@dataclass(frozen=True)
class Severity:
    opsitem: actions.OpsItemSeverity
    pages: bool


SEVERITIES = {
    "page": Severity(actions.OpsItemSeverity.CRITICAL, pages=True),
    "high": Severity(actions.OpsItemSeverity.HIGH, pages=True),
    "medium": Severity(actions.OpsItemSeverity.MEDIUM, pages=False),  # an OpsItem, next day
    "low": Severity(actions.OpsItemSeverity.LOW, pages=False),
}


def runbook_url(config: StageConfig, alarm_id: str) -> str:
    return f"{config.runbook_base_url}/{alarm_id}.md"


def runbook_severity(alarm_id: str) -> Severity:
    """The severity the alarm's runbook declares; no runbook, or an unknown severity, is an
    error at synth (an alarm nobody can act on is not deployed)."""
    path = RUNBOOKS / f"{alarm_id}.md"
    if not path.exists():
        raise ValueError(f"alarm {alarm_id} has no runbook: write runbooks/{alarm_id}.md")
    front = re.match(r"^---\n(.*?)\n---\n", path.read_text(), re.S)
    fields = dict(line.split(": ", 1) for line in front.group(1).splitlines()) if front else {}
    severity = fields.get("severity", "")
    if fields.get("alarm_id") != alarm_id or severity not in SEVERITIES:
        raise ValueError(
            f"runbooks/{alarm_id}.md: front matter needs alarm_id: {alarm_id} and a severity "
            f"({', '.join(SEVERITIES)})"
        )
    return SEVERITIES[severity]


class RunbookAlarm(Construct):
    """A CloudWatch alarm named `<prefix>-<alarm_id>` whose description says what broke and
    links its runbook; it opens an OpsCenter OpsItem (the engineering issue tracker) at the
    runbook's severity, and pages through `paging_topic` when that severity pages."""

    def __init__(
        self,
        scope: Construct,
        alarm_id: str,
        *,
        config: StageConfig,
        summary: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator,
        paging_topic: sns.ITopic,
        evaluation_periods: int = 3,
        missing_data: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
        actions_enabled: bool = True,
    ) -> None:
        super().__init__(scope, alarm_id)
        self.alarm_id = alarm_id
        self.severity = runbook_severity(alarm_id)
        self.alarm = cloudwatch.Alarm(
            self,
            "Alarm",
            alarm_name=f"{config.prefix}-{alarm_id}",
            alarm_description=f"{summary} Runbook: {runbook_url(config, alarm_id)}",
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=evaluation_periods,
            treat_missing_data=missing_data,
            actions_enabled=actions_enabled,  # a standby's alarms act once a failover enables them
        )
        self.alarm.add_alarm_action(
            actions.SsmAction(self.severity.opsitem, actions.OpsItemCategory.AVAILABILITY)
        )
        if self.severity.pages:
            self.alarm.add_alarm_action(actions.SnsAction(paging_topic))


class RunbookCompositeAlarm(Unit):
    """A composite alarm named `<prefix>-<alarm_id>`, firing when any of `alarms` does, whose
    description links its runbook; it pages through `paging_topic` when the runbook's severity
    pages (its children open the OpsItems). A Unit in a UnitStack: the alarm's logical ID is
    `construct_id`'s, as before it came from this factory."""

    def __init__(
        self,
        scope: Construct,
        alarm_id: str,
        *,
        construct_id: str,
        config: StageConfig,
        summary: str,
        alarms: list[cloudwatch.IAlarm],
        paging_topic: sns.ITopic,
        actions_enabled: bool = True,
    ) -> None:
        super().__init__(scope, alarm_id)
        self.alarm_id = alarm_id
        self.severity = runbook_severity(alarm_id)
        self.alarm = cloudwatch.CompositeAlarm(
            self,
            construct_id,
            actions_enabled=actions_enabled,
            composite_alarm_name=f"{config.prefix}-{alarm_id}",
            alarm_description=f"{summary} Runbook: {runbook_url(config, alarm_id)}",
            alarm_rule=cloudwatch.AlarmRule.any_of(*alarms),
        )
        if self.severity.pages:
            self.alarm.add_alarm_action(actions.SnsAction(paging_topic))
