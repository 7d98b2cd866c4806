from enum import StrEnum


class WebhookReplayQueuedStatus(StrEnum):
    PENDING = "pending"

    def __str__(self) -> str:
        return str(self.value)
