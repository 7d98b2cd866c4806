from enum import StrEnum


class EventPacketType(StrEnum):
    PACKET_FAILED = "packet.failed"
    PACKET_READY = "packet.ready"

    def __str__(self) -> str:
        return str(self.value)
