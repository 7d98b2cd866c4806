from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.preview_sms import PreviewSms


T = TypeVar("T", bound="Preview")


@_attrs_define
class Preview:
    """
    Attributes:
        body (str):
        subject (None | str):
        merge_fields (list[str]):
        sampled_fields (list[str]): Fields not given, shown as [name].
        unknown_fields (list[str]): Fields that are neither standard nor given; a packet must supply them as extra
            columns.
        sms (PreviewSms | Unset):
    """

    body: str
    subject: None | str
    merge_fields: list[str]
    sampled_fields: list[str]
    unknown_fields: list[str]
    sms: PreviewSms | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        body = self.body

        subject: None | str
        subject = self.subject

        merge_fields = self.merge_fields

        sampled_fields = self.sampled_fields

        unknown_fields = self.unknown_fields

        sms: dict[str, Any] | Unset = UNSET
        if not isinstance(self.sms, Unset):
            sms = self.sms.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "body": body,
                "subject": subject,
                "merge_fields": merge_fields,
                "sampled_fields": sampled_fields,
                "unknown_fields": unknown_fields,
            }
        )
        if sms is not UNSET:
            field_dict["sms"] = sms

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.preview_sms import PreviewSms  # noqa: PLC0415

        d = dict(src_dict)
        body = d.pop("body")

        def _parse_subject(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subject = _parse_subject(d.pop("subject"))

        merge_fields = cast(list[str], d.pop("merge_fields"))

        sampled_fields = cast(list[str], d.pop("sampled_fields"))

        unknown_fields = cast(list[str], d.pop("unknown_fields"))

        _sms = d.pop("sms", UNSET)
        sms: PreviewSms | Unset
        if isinstance(_sms, Unset):
            sms = UNSET
        else:
            sms = PreviewSms.from_dict(_sms)

        preview = cls(
            body=body,
            subject=subject,
            merge_fields=merge_fields,
            sampled_fields=sampled_fields,
            unknown_fields=unknown_fields,
            sms=sms,
        )

        preview.additional_properties = d
        return preview

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
