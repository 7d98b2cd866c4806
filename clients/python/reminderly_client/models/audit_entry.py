from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.audit_entry_after_type_0 import AuditEntryAfterType0
    from ..models.audit_entry_before_type_0 import AuditEntryBeforeType0


T = TypeVar("T", bound="AuditEntry")


@_attrs_define
class AuditEntry:
    """One entry of the audit log.

    Attributes:
        id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        at (datetime.datetime): RFC 3339, UTC.
        actor_email (None | str): The person who acted (null for an API key or an unknown email).
        actor_user (int | None): The person's user id.
        actor_key (int | None): The API key that acted.
        actor_role (None | str): The actor's role in the account at the time (owner, admin, ..., or the key's scopes).
        action (str): What happened (`campaign.activated`, `user.invited`, `sign_in.failed`, ...).
        object_type (None | str):
        object_id (None | str): The object's id (a public id when the object has one).
        before (AuditEntryBeforeType0 | None): The object's fields before the change.
        after (AuditEntryAfterType0 | None): The object's fields after the change.
        address (None | str): The client address the change came from.
        request_id (None | str): The request's id (the X-Request-Id of its response).
    """

    id: int
    at: datetime.datetime
    actor_email: None | str
    actor_user: int | None
    actor_key: int | None
    actor_role: None | str
    action: str
    object_type: None | str
    object_id: None | str
    before: AuditEntryBeforeType0 | None
    after: AuditEntryAfterType0 | None
    address: None | str
    request_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.audit_entry_after_type_0 import AuditEntryAfterType0  # noqa: PLC0415
        from ..models.audit_entry_before_type_0 import AuditEntryBeforeType0  # noqa: PLC0415

        id = self.id

        at = self.at.isoformat()

        actor_email: None | str
        actor_email = self.actor_email

        actor_user: int | None
        actor_user = self.actor_user

        actor_key: int | None
        actor_key = self.actor_key

        actor_role: None | str
        actor_role = self.actor_role

        action = self.action

        object_type: None | str
        object_type = self.object_type

        object_id: None | str
        object_id = self.object_id

        before: dict[str, Any] | None
        if isinstance(self.before, AuditEntryBeforeType0):
            before = self.before.to_dict()
        else:
            before = self.before

        after: dict[str, Any] | None
        if isinstance(self.after, AuditEntryAfterType0):
            after = self.after.to_dict()
        else:
            after = self.after

        address: None | str
        address = self.address

        request_id: None | str
        request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "at": at,
                "actor_email": actor_email,
                "actor_user": actor_user,
                "actor_key": actor_key,
                "actor_role": actor_role,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "before": before,
                "after": after,
                "address": address,
                "request_id": request_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_entry_after_type_0 import AuditEntryAfterType0  # noqa: PLC0415
        from ..models.audit_entry_before_type_0 import AuditEntryBeforeType0  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        def _parse_actor_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        actor_email = _parse_actor_email(d.pop("actor_email"))

        def _parse_actor_user(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        actor_user = _parse_actor_user(d.pop("actor_user"))

        def _parse_actor_key(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        actor_key = _parse_actor_key(d.pop("actor_key"))

        def _parse_actor_role(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        actor_role = _parse_actor_role(d.pop("actor_role"))

        action = d.pop("action")

        def _parse_object_type(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        object_type = _parse_object_type(d.pop("object_type"))

        def _parse_object_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        object_id = _parse_object_id(d.pop("object_id"))

        def _parse_before(data: object) -> AuditEntryBeforeType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                before_type_0 = AuditEntryBeforeType0.from_dict(data)

                return before_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuditEntryBeforeType0 | None, data)

        before = _parse_before(d.pop("before"))

        def _parse_after(data: object) -> AuditEntryAfterType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                after_type_0 = AuditEntryAfterType0.from_dict(data)

                return after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuditEntryAfterType0 | None, data)

        after = _parse_after(d.pop("after"))

        def _parse_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        address = _parse_address(d.pop("address"))

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("request_id"))

        audit_entry = cls(
            id=id,
            at=at,
            actor_email=actor_email,
            actor_user=actor_user,
            actor_key=actor_key,
            actor_role=actor_role,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
            address=address,
            request_id=request_id,
        )

        audit_entry.additional_properties = d
        return audit_entry

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
