from enum import StrEnum


class EventSurveyType(StrEnum):
    SURVEY_ANSWERED = "survey.answered"

    def __str__(self) -> str:
        return str(self.value)
