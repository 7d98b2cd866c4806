from enum import StrEnum


class ListCustomersOptedOut(StrEnum):
    EMAIL = "email"
    FALSE = "false"
    SMS = "sms"
    TRUE = "true"

    def __str__(self) -> str:
        return str(self.value)
