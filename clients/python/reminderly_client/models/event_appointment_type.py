from enum import StrEnum


class EventAppointmentType(StrEnum):
    APPOINTMENT_CANCELLED_BY_CUSTOMER = "appointment.cancelled_by_customer"
    APPOINTMENT_CONFIRMED = "appointment.confirmed"

    def __str__(self) -> str:
        return str(self.value)
