from enum import StrEnum


class Scope(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    READ = "read"
    WRITE = "write"

    def __str__(self) -> str:
        return str(self.value)
