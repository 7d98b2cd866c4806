from enum import StrEnum


class CampaignSettingsAudienceByType3Type1(StrEnum):
    POSITIVE = "positive"
    RESPOND = "respond"

    def __str__(self) -> str:
        return str(self.value)
