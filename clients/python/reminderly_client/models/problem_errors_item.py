from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.problem_errors_item_in import ProblemErrorsItemIn
from ..types import UNSET, Unset

T = TypeVar("T", bound="ProblemErrorsItem")


@_attrs_define
class ProblemErrorsItem:
    """
    Attributes:
        detail (str):
        pointer (str | Unset): JSON pointer into the request body.
        parameter (str | Unset):
        field (str | Unset): The kind of field at fault when it need not be in the request, e.g. `template` (a template
            that cannot be rendered, given in the body or stored).
        in_ (ProblemErrorsItemIn | Unset):
    """

    detail: str
    pointer: str | Unset = UNSET
    parameter: str | Unset = UNSET
    field: str | Unset = UNSET
    in_: ProblemErrorsItemIn | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        detail = self.detail

        pointer = self.pointer

        parameter = self.parameter

        field = self.field

        in_: str | Unset = UNSET
        if not isinstance(self.in_, Unset):
            in_ = self.in_.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "detail": detail,
            }
        )
        if pointer is not UNSET:
            field_dict["pointer"] = pointer
        if parameter is not UNSET:
            field_dict["parameter"] = parameter
        if field is not UNSET:
            field_dict["field"] = field
        if in_ is not UNSET:
            field_dict["in"] = in_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        detail = d.pop("detail")

        pointer = d.pop("pointer", UNSET)

        parameter = d.pop("parameter", UNSET)

        field = d.pop("field", UNSET)

        _in_ = d.pop("in", UNSET)
        in_: ProblemErrorsItemIn | Unset
        if isinstance(_in_, Unset):
            in_ = UNSET
        else:
            in_ = ProblemErrorsItemIn(_in_)

        problem_errors_item = cls(
            detail=detail,
            pointer=pointer,
            parameter=parameter,
            field=field,
            in_=in_,
        )

        problem_errors_item.additional_properties = d
        return problem_errors_item

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
