from enum import StrEnum


class EventReviewType(StrEnum):
    REVIEW_CLICKED = "review.clicked"

    def __str__(self) -> str:
        return str(self.value)
