from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.inbound_simulation_kind import InboundSimulationKind
from ..models.inbound_simulation_outcome import InboundSimulationOutcome
from ..types import UNSET, Unset

T = TypeVar("T", bound="InboundSimulation")


@_attrs_define
class InboundSimulation:
    """
    Attributes:
        kind (InboundSimulationKind):
        message_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        text (str | Unset): The reply's text (`reply`), e.g. `NO`, `STOP`, `YES`, `9`.
        outcome (InboundSimulationOutcome | Unset): The receipt's outcome (`receipt`). Default:
            InboundSimulationOutcome.DELIVERED.
        score (int | Unset): The survey score (`survey_answer`).
        comment (str | Unset): The survey comment (`survey_answer`).
    """

    kind: InboundSimulationKind
    message_id: int
    text: str | Unset = UNSET
    outcome: InboundSimulationOutcome | Unset = InboundSimulationOutcome.DELIVERED
    score: int | Unset = UNSET
    comment: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        message_id = self.message_id

        text = self.text

        outcome: str | Unset = UNSET
        if not isinstance(self.outcome, Unset):
            outcome = self.outcome.value

        score = self.score

        comment = self.comment

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "kind": kind,
                "message_id": message_id,
            }
        )
        if text is not UNSET:
            field_dict["text"] = text
        if outcome is not UNSET:
            field_dict["outcome"] = outcome
        if score is not UNSET:
            field_dict["score"] = score
        if comment is not UNSET:
            field_dict["comment"] = comment

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        kind = InboundSimulationKind(d.pop("kind"))

        message_id = d.pop("message_id")

        text = d.pop("text", UNSET)

        _outcome = d.pop("outcome", UNSET)
        outcome: InboundSimulationOutcome | Unset
        if isinstance(_outcome, Unset):
            outcome = UNSET
        else:
            outcome = InboundSimulationOutcome(_outcome)

        score = d.pop("score", UNSET)

        comment = d.pop("comment", UNSET)

        inbound_simulation = cls(
            kind=kind,
            message_id=message_id,
            text=text,
            outcome=outcome,
            score=score,
            comment=comment,
        )

        return inbound_simulation
