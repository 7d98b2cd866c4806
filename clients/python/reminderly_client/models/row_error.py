from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.row_issue import RowIssue


T = TypeVar("T", bound="RowError")


@_attrs_define
class RowError:
    """A rejected row. `column` and `reason` summarise its first error; `errors` lists them all.

    Attributes:
        row_no (int):
        column (str):
        reason (str):
        value (None | str): The value of the first column at fault, truncated to 200 characters.
        errors (list[RowIssue]):
    """

    row_no: int
    column: str
    reason: str
    value: None | str
    errors: list[RowIssue]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        row_no = self.row_no

        column = self.column

        reason = self.reason

        value: None | str
        value = self.value

        errors = []
        for errors_item_data in self.errors:
            errors_item = errors_item_data.to_dict()
            errors.append(errors_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "row_no": row_no,
                "column": column,
                "reason": reason,
                "value": value,
                "errors": errors,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.row_issue import RowIssue  # noqa: PLC0415

        d = dict(src_dict)
        row_no = d.pop("row_no")

        column = d.pop("column")

        reason = d.pop("reason")

        def _parse_value(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        value = _parse_value(d.pop("value"))

        errors = []
        _errors = d.pop("errors")
        for errors_item_data in _errors:
            errors_item = RowIssue.from_dict(errors_item_data)

            errors.append(errors_item)

        row_error = cls(
            row_no=row_no,
            column=column,
            reason=reason,
            value=value,
            errors=errors,
        )

        row_error.additional_properties = d
        return row_error

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
