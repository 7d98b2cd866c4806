"""The worker's metrics sink: Embedded Metric Format (app_service/emf.py, in the core so that
telemetry can use it without importing the worker)."""

from app_service.emf import NAMESPACE, emit

__all__ = ["NAMESPACE", "emit"]
