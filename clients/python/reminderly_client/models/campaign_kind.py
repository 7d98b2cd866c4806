from enum import StrEnum


class CampaignKind(StrEnum):
    REMINDER = "reminder"
    REVIEW_REQUEST = "review_request"
    SURVEY = "survey"

    def __str__(self) -> str:
        return str(self.value)
