from enum import StrEnum


class EventReplyDataIntent(StrEnum):
    CANCEL = "cancel"
    CONFIRM = "confirm"
    HELP = "help"
    OPT_IN = "opt_in"
    OPT_OUT = "opt_out"
    OTHER = "other"
    SCORE = "score"

    def __str__(self) -> str:
        return str(self.value)
