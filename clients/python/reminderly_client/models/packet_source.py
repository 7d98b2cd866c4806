from enum import StrEnum


class PacketSource(StrEnum):
    CSV = "csv"
    JSON = "json"
    ROWS = "rows"

    def __str__(self) -> str:
        return str(self.value)
