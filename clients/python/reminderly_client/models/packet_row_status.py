from enum import StrEnum


class PacketRowStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"

    def __str__(self) -> str:
        return str(self.value)
