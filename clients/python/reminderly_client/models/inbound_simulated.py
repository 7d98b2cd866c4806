from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.inbound_simulated_kind import InboundSimulatedKind

T = TypeVar("T", bound="InboundSimulated")


@_attrs_define
class InboundSimulated:
    """
    Attributes:
        message_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        kind (InboundSimulatedKind):
        result (str): What was done, as the real webhook reports it (`sms reply: cancel`, `delivered`, ...).
    """

    message_id: int
    kind: InboundSimulatedKind
    result: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        message_id = self.message_id

        kind = self.kind.value

        result = self.result

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "message_id": message_id,
                "kind": kind,
                "result": result,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        message_id = d.pop("message_id")

        kind = InboundSimulatedKind(d.pop("kind"))

        result = d.pop("result")

        inbound_simulated = cls(
            message_id=message_id,
            kind=kind,
            result=result,
        )

        inbound_simulated.additional_properties = d
        return inbound_simulated

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
