from enum import StrEnum


class CampaignSettingsWindowPolicy(StrEnum):
    ADVANCE = "advance"
    DEFER = "defer"

    def __str__(self) -> str:
        return str(self.value)
