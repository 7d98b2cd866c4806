from enum import StrEnum


class EventSurveyDataChannel(StrEnum):
    SMS = "sms"
    WEB = "web"

    def __str__(self) -> str:
        return str(self.value)
