from enum import StrEnum


class InboundSimulationKind(StrEnum):
    RECEIPT = "receipt"
    REPLY = "reply"
    SURVEY_ANSWER = "survey_answer"

    def __str__(self) -> str:
        return str(self.value)
