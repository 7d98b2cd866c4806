from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.packet_source import PacketSource
from ..models.packet_status import PacketStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.counts import Counts
    from ..models.packet_appointments import PacketAppointments
    from ..models.packet_effect import PacketEffect
    from ..models.packet_links import PacketLinks
    from ..models.packet_rows import PacketRows
    from ..models.packet_snapshot_type_1 import PacketSnapshotType1
    from ..models.packet_stage_seconds import PacketStageSeconds
    from ..models.rejection_count import RejectionCount
    from ..models.row_error import RowError


T = TypeVar("T", bound="Packet")


@_attrs_define
class Packet:
    """A packet and what loading it did: the one shape of a load's summary (the CLI's `load --json`
    prints the same fields). A dry run answers this shape too, with `dry_run: true` and the first
    `row_errors`, and keeps nothing.

        Attributes:
            id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
                numbers). Ids are not in creation order and say nothing of how many resources exist; use
                them as given. A number that is no id of yours is a 404.
            campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
                numbers). Ids are not in creation order and say nothing of how many resources exist; use
                them as given. A number that is no id of yours is a 404.
            status (PacketStatus): A background load goes receiving (stored, waiting for a worker) -> loading -> ready |
                failed; a synchronous one received -> loaded -> validated -> ready. Then dispatching ->
                completed as its messages go out, or cancelled.
            source (PacketSource):
            filename (None | str):
            rows (PacketRows):
            appointments (PacketAppointments): What the packet did to the account's appointments.
            body_bytes (int | None): The stored body's size, for a packet loaded in the background.
            messages_planned (int): Messages created by this packet, in every campaign (see `effects`).
            first_send_at (datetime.datetime | None):
            effects (list[PacketEffect]):
            messages (Counts): Message counts by state; suppressed ones keyed state:reason (suppressed:opted_out).
            rejected_by_reason (list[RejectionCount]):
            warnings_by_reason (list[RejectionCount]):
            snapshot (None | PacketSnapshotType1): The scope this packet is a full list of, when it was sent as a snapshot.
            failure_reason (None | str):
            stage_seconds (PacketStageSeconds):
            received_at (datetime.datetime): RFC 3339, UTC.
            duplicate_of (int | Unset): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in
                JSON
                numbers). Ids are not in creation order and say nothing of how many resources exist; use
                them as given. A number that is no id of yours is a 404.
            dry_run (bool | Unset): Present (true) on a dry run's answer only.
            row_errors (list[RowError] | Unset): A dry run's first 100 rejected rows.
            links (PacketLinks | Unset):
    """

    id: int
    campaign_id: int
    status: PacketStatus
    source: PacketSource
    filename: None | str
    rows: PacketRows
    appointments: PacketAppointments
    body_bytes: int | None
    messages_planned: int
    first_send_at: datetime.datetime | None
    effects: list[PacketEffect]
    messages: Counts
    rejected_by_reason: list[RejectionCount]
    warnings_by_reason: list[RejectionCount]
    snapshot: None | PacketSnapshotType1
    failure_reason: None | str
    stage_seconds: PacketStageSeconds
    received_at: datetime.datetime
    duplicate_of: int | Unset = UNSET
    dry_run: bool | Unset = UNSET
    row_errors: list[RowError] | Unset = UNSET
    links: PacketLinks | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.packet_snapshot_type_1 import PacketSnapshotType1  # noqa: PLC0415

        id = self.id

        campaign_id = self.campaign_id

        status = self.status.value

        source = self.source.value

        filename: None | str
        filename = self.filename

        rows = self.rows.to_dict()

        appointments = self.appointments.to_dict()

        body_bytes: int | None
        body_bytes = self.body_bytes

        messages_planned = self.messages_planned

        first_send_at: None | str
        if isinstance(self.first_send_at, datetime.datetime):
            first_send_at = self.first_send_at.isoformat()
        else:
            first_send_at = self.first_send_at

        effects = []
        for effects_item_data in self.effects:
            effects_item = effects_item_data.to_dict()
            effects.append(effects_item)

        messages = self.messages.to_dict()

        rejected_by_reason = []
        for rejected_by_reason_item_data in self.rejected_by_reason:
            rejected_by_reason_item = rejected_by_reason_item_data.to_dict()
            rejected_by_reason.append(rejected_by_reason_item)

        warnings_by_reason = []
        for warnings_by_reason_item_data in self.warnings_by_reason:
            warnings_by_reason_item = warnings_by_reason_item_data.to_dict()
            warnings_by_reason.append(warnings_by_reason_item)

        snapshot: dict[str, Any] | None
        if isinstance(self.snapshot, PacketSnapshotType1):
            snapshot = self.snapshot.to_dict()
        else:
            snapshot = self.snapshot

        failure_reason: None | str
        failure_reason = self.failure_reason

        stage_seconds = self.stage_seconds.to_dict()

        received_at = self.received_at.isoformat()

        duplicate_of = self.duplicate_of

        dry_run = self.dry_run

        row_errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.row_errors, Unset):
            row_errors = []
            for row_errors_item_data in self.row_errors:
                row_errors_item = row_errors_item_data.to_dict()
                row_errors.append(row_errors_item)

        links: dict[str, Any] | Unset = UNSET
        if not isinstance(self.links, Unset):
            links = self.links.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "campaign_id": campaign_id,
                "status": status,
                "source": source,
                "filename": filename,
                "rows": rows,
                "appointments": appointments,
                "body_bytes": body_bytes,
                "messages_planned": messages_planned,
                "first_send_at": first_send_at,
                "effects": effects,
                "messages": messages,
                "rejected_by_reason": rejected_by_reason,
                "warnings_by_reason": warnings_by_reason,
                "snapshot": snapshot,
                "failure_reason": failure_reason,
                "stage_seconds": stage_seconds,
                "received_at": received_at,
            }
        )
        if duplicate_of is not UNSET:
            field_dict["duplicate_of"] = duplicate_of
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run
        if row_errors is not UNSET:
            field_dict["row_errors"] = row_errors
        if links is not UNSET:
            field_dict["links"] = links

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.counts import Counts  # noqa: PLC0415
        from ..models.packet_appointments import PacketAppointments  # noqa: PLC0415
        from ..models.packet_effect import PacketEffect  # noqa: PLC0415
        from ..models.packet_links import PacketLinks  # noqa: PLC0415
        from ..models.packet_rows import PacketRows  # noqa: PLC0415
        from ..models.packet_snapshot_type_1 import PacketSnapshotType1  # noqa: PLC0415
        from ..models.packet_stage_seconds import PacketStageSeconds  # noqa: PLC0415
        from ..models.rejection_count import RejectionCount  # noqa: PLC0415
        from ..models.row_error import RowError  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        campaign_id = d.pop("campaign_id")

        status = PacketStatus(d.pop("status"))

        source = PacketSource(d.pop("source"))

        def _parse_filename(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        filename = _parse_filename(d.pop("filename"))

        rows = PacketRows.from_dict(d.pop("rows"))

        appointments = PacketAppointments.from_dict(d.pop("appointments"))

        def _parse_body_bytes(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        body_bytes = _parse_body_bytes(d.pop("body_bytes"))

        messages_planned = d.pop("messages_planned")

        def _parse_first_send_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                componentsschemas_nullable_timestamp_type_0 = datetime.datetime.fromisoformat(data)

                return componentsschemas_nullable_timestamp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        first_send_at = _parse_first_send_at(d.pop("first_send_at"))

        effects = []
        _effects = d.pop("effects")
        for effects_item_data in _effects:
            effects_item = PacketEffect.from_dict(effects_item_data)

            effects.append(effects_item)

        messages = Counts.from_dict(d.pop("messages"))

        rejected_by_reason = []
        _rejected_by_reason = d.pop("rejected_by_reason")
        for rejected_by_reason_item_data in _rejected_by_reason:
            rejected_by_reason_item = RejectionCount.from_dict(rejected_by_reason_item_data)

            rejected_by_reason.append(rejected_by_reason_item)

        warnings_by_reason = []
        _warnings_by_reason = d.pop("warnings_by_reason")
        for warnings_by_reason_item_data in _warnings_by_reason:
            warnings_by_reason_item = RejectionCount.from_dict(warnings_by_reason_item_data)

            warnings_by_reason.append(warnings_by_reason_item)

        def _parse_snapshot(data: object) -> None | PacketSnapshotType1:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                snapshot_type_1 = PacketSnapshotType1.from_dict(data)

                return snapshot_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PacketSnapshotType1, data)

        snapshot = _parse_snapshot(d.pop("snapshot"))

        def _parse_failure_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        failure_reason = _parse_failure_reason(d.pop("failure_reason"))

        stage_seconds = PacketStageSeconds.from_dict(d.pop("stage_seconds"))

        received_at = datetime.datetime.fromisoformat(d.pop("received_at"))

        duplicate_of = d.pop("duplicate_of", UNSET)

        dry_run = d.pop("dry_run", UNSET)

        _row_errors = d.pop("row_errors", UNSET)
        row_errors: list[RowError] | Unset = UNSET
        if _row_errors is not UNSET:
            row_errors = []
            for row_errors_item_data in _row_errors:
                row_errors_item = RowError.from_dict(row_errors_item_data)

                row_errors.append(row_errors_item)

        _links = d.pop("links", UNSET)
        links: PacketLinks | Unset
        if isinstance(_links, Unset):
            links = UNSET
        else:
            links = PacketLinks.from_dict(_links)

        packet = cls(
            id=id,
            campaign_id=campaign_id,
            status=status,
            source=source,
            filename=filename,
            rows=rows,
            appointments=appointments,
            body_bytes=body_bytes,
            messages_planned=messages_planned,
            first_send_at=first_send_at,
            effects=effects,
            messages=messages,
            rejected_by_reason=rejected_by_reason,
            warnings_by_reason=warnings_by_reason,
            snapshot=snapshot,
            failure_reason=failure_reason,
            stage_seconds=stage_seconds,
            received_at=received_at,
            duplicate_of=duplicate_of,
            dry_run=dry_run,
            row_errors=row_errors,
            links=links,
        )

        packet.additional_properties = d
        return packet

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
