from enum import StrEnum


class EventPacketDataPacketStatus(StrEnum):
    FAILED = "failed"
    READY = "ready"

    def __str__(self) -> str:
        return str(self.value)
