from enum import StrEnum


class AppointmentLastChange(StrEnum):
    ABSENT = "absent"
    CANCELLED = "cancelled"
    MOVED = "moved"
    NEW = "new"
    UNCHANGED = "unchanged"

    def __str__(self) -> str:
        return str(self.value)
