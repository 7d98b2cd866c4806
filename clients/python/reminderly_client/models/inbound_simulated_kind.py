from enum import StrEnum


class InboundSimulatedKind(StrEnum):
    RECEIPT = "receipt"
    REPLY = "reply"
    SURVEY_ANSWER = "survey_answer"

    def __str__(self) -> str:
        return str(self.value)
