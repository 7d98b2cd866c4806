from enum import StrEnum


class ProblemErrorsItemIn(StrEnum):
    COOKIE = "cookie"
    HEADER = "header"
    PATH = "path"
    QUERY = "query"

    def __str__(self) -> str:
        return str(self.value)
