"""Embedded Metric Format (aws-embedded-metrics): metrics as CloudWatch metrics, written to
stdout, which the ECS awslogs driver ships to CloudWatch Logs (extracted there). The sink
telemetry.emit chooses where a stage is set, and the worker's (worker/metrics.py)."""

from __future__ import annotations

from aws_embedded_metrics import metric_scope
from aws_embedded_metrics.config import get_config

from app_service import config
from deploy_contract.metrics import APP_NAMESPACE, STAGE_DIMENSION

NAMESPACE = APP_NAMESPACE

_config = get_config()
_config.namespace = NAMESPACE
if not config.current().emf_environment:
    _config.environment = "local"  # stdout: no agent needed, the log driver carries it


@metric_scope
def emit(values: dict[str, tuple[float, str]], metrics) -> None:
    """Publish {name: (value, unit)} under the Stage dimension alone: the alarms watch exactly
    that set. set_dimensions, not put_dimensions: the library merges its default dimensions
    (LogGroup, ServiceName, ServiceType) into every set put_dimensions adds, and a metric
    published as {LogGroup, ServiceName, ServiceType, Stage} is not the metric {Stage}."""
    metrics.set_namespace(NAMESPACE)
    metrics.set_dimensions({STAGE_DIMENSION: config.current().stage or "local"})
    for name, (value, unit) in values.items():
        metrics.put_metric(name, value, unit)
