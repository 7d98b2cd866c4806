from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.unsubscribe_body_list_unsubscribe import UnsubscribeBodyListUnsubscribe
from ..types import UNSET, Unset

T = TypeVar("T", bound="UnsubscribeBody")


@_attrs_define
class UnsubscribeBody:
    """
    Attributes:
        list_unsubscribe (UnsubscribeBodyListUnsubscribe | Unset):
    """

    list_unsubscribe: UnsubscribeBodyListUnsubscribe | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        list_unsubscribe: str | Unset = UNSET
        if not isinstance(self.list_unsubscribe, Unset):
            list_unsubscribe = self.list_unsubscribe.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if list_unsubscribe is not UNSET:
            field_dict["List-Unsubscribe"] = list_unsubscribe

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _list_unsubscribe = d.pop("List-Unsubscribe", UNSET)
        list_unsubscribe: UnsubscribeBodyListUnsubscribe | Unset
        if isinstance(_list_unsubscribe, Unset):
            list_unsubscribe = UNSET
        else:
            list_unsubscribe = UnsubscribeBodyListUnsubscribe(_list_unsubscribe)

        unsubscribe_body = cls(
            list_unsubscribe=list_unsubscribe,
        )

        unsubscribe_body.additional_properties = d
        return unsubscribe_body

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
