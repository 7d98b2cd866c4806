"""Channel providers: one module per channel, all behind the `Channel` interface."""

from app_service.worker.channels.base import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)

__all__ = ["Channel", "OutgoingMessage", "PermanentSendError", "SendResult", "TransientSendError"]
