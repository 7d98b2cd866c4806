"""Every CloudWatch metric the application publishes, by namespace: the emitters name their
metrics with these constants, and the monitoring and service stacks watch them by the same
constants (tests/infra/test_contract.py checks both sides against the synthesized templates).

The application's metrics go out in Embedded Metric Format with one dimension, the stage; the
DR drill's through PutMetricData in the DR region."""

from __future__ import annotations

APP_NAMESPACE = "Reminderly"
"""The application's namespace (worker, packet intake, webhook delivery)."""
DR_NAMESPACE = "Reminderly/DR"
"""The DR drill's namespace (published in the DR region, where the drill runs)."""
STAGE_DIMENSION = "Stage"
SOURCE_DIMENSION = "Source"

# --- the worker's tick ----------------------------------------------------------------------
OLDEST_READY_MESSAGE_AGE = "OldestReadyMessageAgeSeconds"
EXPIRED_LEASES = "ExpiredLeases"
MESSAGES_MADE_READY = "MessagesMadeReady"
WORKER_HEARTBEAT = "WorkerHeartbeat"
EXPECTED_DRAIN = "ExpectedDrainSeconds"
"""The backlog over the send rate achieved: the worker service scales on it."""

# --- the worker's send outcomes (one of sent/retried/failed/dead per attempt) ----------------
MESSAGES_SENT = "MessagesSent"
MESSAGES_RETRIED = "MessagesRetried"
MESSAGES_FAILED = "MessagesFailed"
MESSAGES_DEAD = "MessagesDead"
SENDS_IN_FLIGHT = "SendsInFlight"
SEND_LATENCY = "SendLatencyMilliseconds"

# --- the SMS route (primary pool or secondary origination) -----------------------------------
SMS_ROUTE_SWITCHES = "SmsRouteSwitches"
SMS_ROUTE_ON_SECONDARY = "SmsRouteOnSecondary"

# --- packet intake (every path: API, CLI, dashboard, background loader) ----------------------
PACKETS_LOADED = "PacketsLoaded"
PACKETS_FAILED = "PacketsFailed"
PACKET_ROWS_REJECTED = "PacketRowsRejected"

# --- webhook delivery ------------------------------------------------------------------------
WEBHOOK_ENDPOINTS_DISABLED = "WebhookEndpointsDisabled"

# --- the DR drill (DR_NAMESPACE) -------------------------------------------------------------
DRILL_SUCCEEDED = "DrillSucceeded"
DRILL_RTO = "DrillRtoSeconds"
DRILL_RPO = "DrillRpoSeconds"

APP_METRICS = frozenset(
    {
        OLDEST_READY_MESSAGE_AGE,
        EXPIRED_LEASES,
        MESSAGES_MADE_READY,
        WORKER_HEARTBEAT,
        EXPECTED_DRAIN,
        MESSAGES_SENT,
        MESSAGES_RETRIED,
        MESSAGES_FAILED,
        MESSAGES_DEAD,
        SENDS_IN_FLIGHT,
        SEND_LATENCY,
        SMS_ROUTE_SWITCHES,
        SMS_ROUTE_ON_SECONDARY,
        PACKETS_LOADED,
        PACKETS_FAILED,
        PACKET_ROWS_REJECTED,
        WEBHOOK_ENDPOINTS_DISABLED,
    }
)
DR_METRICS = frozenset({DRILL_SUCCEEDED, DRILL_RTO, DRILL_RPO})
METRICS = {APP_NAMESPACE: APP_METRICS, DR_NAMESPACE: DR_METRICS}
"""{namespace: the metric names published there}."""

WATCHED = {
    APP_NAMESPACE: frozenset(
        {
            OLDEST_READY_MESSAGE_AGE,
            WORKER_HEARTBEAT,
            EXPECTED_DRAIN,
            MESSAGES_SENT,
            MESSAGES_RETRIED,
            MESSAGES_FAILED,
            MESSAGES_DEAD,
            PACKETS_FAILED,
            SMS_ROUTE_ON_SECONDARY,
        }
    ),
    DR_NAMESPACE: frozenset({DRILL_SUCCEEDED}),
}
"""What an alarm (or the worker's scaling, which alarms on it) must watch in each namespace; the
rest are for dashboards and diagnosis."""
