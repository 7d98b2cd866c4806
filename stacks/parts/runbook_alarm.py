"""An alarm that carries its runbook: every alarm description links runbooks/<alarm-id>.md."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from constructs import Construct

from cdk.config import StageConfig


def runbook_url(config: StageConfig, alarm_id: str) -> str:
    return f"{config.runbook_base_url}/{alarm_id}.md"


class RunbookAlarm(Construct):
    """A CloudWatch alarm named `<prefix>-<alarm_id>` whose description says what broke and
    links its runbook, and which opens an OpsCenter OpsItem (the engineering issue tracker)."""

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
        evaluation_periods: int = 3,
        missing_data: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: actions.OpsItemSeverity = actions.OpsItemSeverity.HIGH,
    ) -> None:
        super().__init__(scope, alarm_id)
        self.alarm_id = alarm_id
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
        )
        self.alarm.add_alarm_action(
            actions.SsmAction(severity, actions.OpsItemCategory.AVAILABILITY)
        )


def minutes(n: int) -> Duration:
    return Duration.minutes(n)
