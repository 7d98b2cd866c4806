from enum import StrEnum


class EventType(StrEnum):
    APPOINTMENT_CANCELLED_BY_CUSTOMER = "appointment.cancelled_by_customer"
    APPOINTMENT_CONFIRMED = "appointment.confirmed"
    CONSENT_OPTED_IN = "consent.opted_in"
    CONSENT_OPTED_OUT = "consent.opted_out"
    MESSAGE_DEAD = "message.dead"
    MESSAGE_DELIVERED = "message.delivered"
    MESSAGE_FAILED = "message.failed"
    MESSAGE_SENT = "message.sent"
    PACKET_FAILED = "packet.failed"
    PACKET_READY = "packet.ready"
    REPLY_RECEIVED = "reply.received"
    REVIEW_CLICKED = "review.clicked"
    SURVEY_ANSWERED = "survey.answered"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled"

    def __str__(self) -> str:
        return str(self.value)
