from enum import StrEnum


class MessageStatus(StrEnum):
    CANCELLED = "cancelled"
    DEAD = "dead"
    DELIVERED = "delivered"
    FAILED = "failed"
    READY = "ready"
    RETRY = "retry"
    SCHEDULED = "scheduled"
    SENT = "sent"
    SUPPRESSED = "suppressed"

    def __str__(self) -> str:
        return str(self.value)
