from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.funnel import Funnel
    from ..models.packet_report_rows import PacketReportRows
    from ..models.packet_report_stage_seconds import PacketReportStageSeconds
    from ..models.rejection_count import RejectionCount


T = TypeVar("T", bound="PacketReport")


@_attrs_define
class PacketReport:
    """
    Attributes:
        packet_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        status (str):
        rows (PacketReportRows):
        rejected_by_reason (list[RejectionCount]):
        stage_seconds (PacketReportStageSeconds):
        funnel (Funnel): Where every planned message is now, from the rollups (O(1) at any size).
    """

    packet_id: int
    campaign_id: int
    status: str
    rows: PacketReportRows
    rejected_by_reason: list[RejectionCount]
    stage_seconds: PacketReportStageSeconds
    funnel: Funnel
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        packet_id = self.packet_id

        campaign_id = self.campaign_id

        status = self.status

        rows = self.rows.to_dict()

        rejected_by_reason = []
        for rejected_by_reason_item_data in self.rejected_by_reason:
            rejected_by_reason_item = rejected_by_reason_item_data.to_dict()
            rejected_by_reason.append(rejected_by_reason_item)

        stage_seconds = self.stage_seconds.to_dict()

        funnel = self.funnel.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "packet_id": packet_id,
                "campaign_id": campaign_id,
                "status": status,
                "rows": rows,
                "rejected_by_reason": rejected_by_reason,
                "stage_seconds": stage_seconds,
                "funnel": funnel,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.funnel import Funnel  # noqa: PLC0415
        from ..models.packet_report_rows import PacketReportRows  # noqa: PLC0415
        from ..models.packet_report_stage_seconds import PacketReportStageSeconds  # noqa: PLC0415
        from ..models.rejection_count import RejectionCount  # noqa: PLC0415

        d = dict(src_dict)
        packet_id = d.pop("packet_id")

        campaign_id = d.pop("campaign_id")

        status = d.pop("status")

        rows = PacketReportRows.from_dict(d.pop("rows"))

        rejected_by_reason = []
        _rejected_by_reason = d.pop("rejected_by_reason")
        for rejected_by_reason_item_data in _rejected_by_reason:
            rejected_by_reason_item = RejectionCount.from_dict(rejected_by_reason_item_data)

            rejected_by_reason.append(rejected_by_reason_item)

        stage_seconds = PacketReportStageSeconds.from_dict(d.pop("stage_seconds"))

        funnel = Funnel.from_dict(d.pop("funnel"))

        packet_report = cls(
            packet_id=packet_id,
            campaign_id=campaign_id,
            status=status,
            rows=rows,
            rejected_by_reason=rejected_by_reason,
            stage_seconds=stage_seconds,
            funnel=funnel,
        )

        packet_report.additional_properties = d
        return packet_report

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
