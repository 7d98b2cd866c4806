from enum import StrEnum


class PacketStatus(StrEnum):
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    DISPATCHING = "dispatching"
    FAILED = "failed"
    LOADED = "loaded"
    LOADING = "loading"
    READY = "ready"
    RECEIVED = "received"
    RECEIVING = "receiving"
    VALIDATED = "validated"

    def __str__(self) -> str:
        return str(self.value)
