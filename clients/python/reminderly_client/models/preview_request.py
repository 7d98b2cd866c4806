from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.preview_request_merge_fields import PreviewRequestMergeFields


T = TypeVar("T", bound="PreviewRequest")


@_attrs_define
class PreviewRequest:
    """
    Attributes:
        merge_fields (PreviewRequestMergeFields | Unset):
    """

    merge_fields: PreviewRequestMergeFields | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        merge_fields: dict[str, Any] | Unset = UNSET
        if not isinstance(self.merge_fields, Unset):
            merge_fields = self.merge_fields.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if merge_fields is not UNSET:
            field_dict["merge_fields"] = merge_fields

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.preview_request_merge_fields import PreviewRequestMergeFields  # noqa: PLC0415

        d = dict(src_dict)
        _merge_fields = d.pop("merge_fields", UNSET)
        merge_fields: PreviewRequestMergeFields | Unset
        if isinstance(_merge_fields, Unset):
            merge_fields = UNSET
        else:
            merge_fields = PreviewRequestMergeFields.from_dict(_merge_fields)

        preview_request = cls(
            merge_fields=merge_fields,
        )

        return preview_request
