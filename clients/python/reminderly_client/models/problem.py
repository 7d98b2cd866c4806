from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.problem_errors_item import ProblemErrorsItem
    from ..models.rejection_count import RejectionCount


T = TypeVar("T", bound="Problem")


@_attrs_define
class Problem:
    """RFC 9457 problem details.

    Attributes:
        type_ (str):
        title (str):
        status (int):
        detail (str):
        instance (str | Unset):
        request_id (str | Unset):
        errors (list[ProblemErrorsItem] | Unset): One entry per field at fault.
        errors_url (str | Unset): Where the rejected rows of a packet can be paged (422).
        rejected_by_reason (list[RejectionCount] | Unset):
        packet_id (int | Unset): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
    """

    type_: str
    title: str
    status: int
    detail: str
    instance: str | Unset = UNSET
    request_id: str | Unset = UNSET
    errors: list[ProblemErrorsItem] | Unset = UNSET
    errors_url: str | Unset = UNSET
    rejected_by_reason: list[RejectionCount] | Unset = UNSET
    packet_id: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        title = self.title

        status = self.status

        detail = self.detail

        instance = self.instance

        request_id = self.request_id

        errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = []
            for errors_item_data in self.errors:
                errors_item = errors_item_data.to_dict()
                errors.append(errors_item)

        errors_url = self.errors_url

        rejected_by_reason: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.rejected_by_reason, Unset):
            rejected_by_reason = []
            for rejected_by_reason_item_data in self.rejected_by_reason:
                rejected_by_reason_item = rejected_by_reason_item_data.to_dict()
                rejected_by_reason.append(rejected_by_reason_item)

        packet_id = self.packet_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "title": title,
                "status": status,
                "detail": detail,
            }
        )
        if instance is not UNSET:
            field_dict["instance"] = instance
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if errors is not UNSET:
            field_dict["errors"] = errors
        if errors_url is not UNSET:
            field_dict["errors_url"] = errors_url
        if rejected_by_reason is not UNSET:
            field_dict["rejected_by_reason"] = rejected_by_reason
        if packet_id is not UNSET:
            field_dict["packet_id"] = packet_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.problem_errors_item import ProblemErrorsItem  # noqa: PLC0415
        from ..models.rejection_count import RejectionCount  # noqa: PLC0415

        d = dict(src_dict)
        type_ = d.pop("type")

        title = d.pop("title")

        status = d.pop("status")

        detail = d.pop("detail")

        instance = d.pop("instance", UNSET)

        request_id = d.pop("request_id", UNSET)

        _errors = d.pop("errors", UNSET)
        errors: list[ProblemErrorsItem] | Unset = UNSET
        if _errors is not UNSET:
            errors = []
            for errors_item_data in _errors:
                errors_item = ProblemErrorsItem.from_dict(errors_item_data)

                errors.append(errors_item)

        errors_url = d.pop("errors_url", UNSET)

        _rejected_by_reason = d.pop("rejected_by_reason", UNSET)
        rejected_by_reason: list[RejectionCount] | Unset = UNSET
        if _rejected_by_reason is not UNSET:
            rejected_by_reason = []
            for rejected_by_reason_item_data in _rejected_by_reason:
                rejected_by_reason_item = RejectionCount.from_dict(rejected_by_reason_item_data)

                rejected_by_reason.append(rejected_by_reason_item)

        packet_id = d.pop("packet_id", UNSET)

        problem = cls(
            type_=type_,
            title=title,
            status=status,
            detail=detail,
            instance=instance,
            request_id=request_id,
            errors=errors,
            errors_url=errors_url,
            rejected_by_reason=rejected_by_reason,
            packet_id=packet_id,
        )

        problem.additional_properties = d
        return problem

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
