from enum import StrEnum


class SnsMessageType(StrEnum):
    NOTIFICATION = "Notification"
    SUBSCRIPTIONCONFIRMATION = "SubscriptionConfirmation"
    UNSUBSCRIBECONFIRMATION = "UnsubscribeConfirmation"

    def __str__(self) -> str:
        return str(self.value)
