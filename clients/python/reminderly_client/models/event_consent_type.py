from enum import StrEnum


class EventConsentType(StrEnum):
    CONSENT_OPTED_IN = "consent.opted_in"
    CONSENT_OPTED_OUT = "consent.opted_out"

    def __str__(self) -> str:
        return str(self.value)
