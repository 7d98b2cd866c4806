from enum import StrEnum


class InboundSimulationOutcome(StrEnum):
    BOUNCED = "bounced"
    DELIVERED = "delivered"
    FAILED = "failed"

    def __str__(self) -> str:
        return str(self.value)
