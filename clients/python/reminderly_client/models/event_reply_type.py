from enum import StrEnum


class EventReplyType(StrEnum):
    REPLY_RECEIVED = "reply.received"

    def __str__(self) -> str:
        return str(self.value)
