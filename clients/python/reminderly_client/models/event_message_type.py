from enum import StrEnum


class EventMessageType(StrEnum):
    MESSAGE_DEAD = "message.dead"
    MESSAGE_DELIVERED = "message.delivered"
    MESSAGE_FAILED = "message.failed"
    MESSAGE_SENT = "message.sent"

    def __str__(self) -> str:
        return str(self.value)
