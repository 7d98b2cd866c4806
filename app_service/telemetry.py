"""One place for the application's metrics, whatever the entry point (API, CLI, dashboard,
worker): CloudWatch's Embedded Metric Format on stdout where a stage is set (ECS ships the log
to CloudWatch, which extracts the metrics), nowhere on a laptop. Packet intake publishes here
from the library, so an upload through the dashboard or the CLI reaches the packet-load alarm
as an API upload does."""

from __future__ import annotations

from collections.abc import Callable

from app_service import config
from app_service.models import LoadResult
from deploy_contract import metrics as M

Sink = Callable[[dict[str, tuple[float, str]]], None]
_sink: Sink | None = None
_chosen = False


def set_sink(sink: Sink | None) -> None:
    """Send metrics to `sink` (tests), or nowhere (None)."""
    global _sink, _chosen
    _sink, _chosen = sink, True


def emit(values: dict[str, tuple[float, str]]) -> None:
    """Publish {name: (value, unit)}."""
    global _sink, _chosen
    if not _chosen:
        if config.current().stage:
            from app_service.emf import emit as emf

            _sink = emf
        _chosen = True
    if _sink is not None:
        _sink(values)


def packet_loaded(result: LoadResult) -> None:
    """A load's outcome: PacketsFailed is what the packet-load-failures alarm watches."""
    emit(
        {
            M.PACKETS_FAILED if result.status == "failed" else M.PACKETS_LOADED: (1.0, "Count"),
            M.PACKET_ROWS_REJECTED: (float(result.rows_rejected), "Count"),
        }
    )
