from enum import StrEnum


class CampaignSettingsAudienceByType2Type1(StrEnum):
    POSITIVE = "positive"
    RESPOND = "respond"

    def __str__(self) -> str:
        return str(self.value)
