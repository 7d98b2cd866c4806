"""Who may do what: the roles of an account and the actions each may take (README, console).

The matrix is the one place the rule lives; the dashboard, the CLI and the core check it
through `allowed`/`require`."""

from __future__ import annotations

ROLES = ("owner", "admin", "manager", "staff", "viewer")
"""From most to least powerful."""

ACTIONS: dict[str, frozenset[str]] = {
    "read": frozenset(ROLES),
    "upload": frozenset({"owner", "admin", "manager", "staff"}),
    "answer_replies": frozenset({"owner", "admin", "manager", "staff"}),
    "change_consent": frozenset({"owner", "admin", "manager", "staff"}),
    "export_customers": frozenset({"owner", "admin", "manager"}),
    "erase_customers": frozenset({"owner", "admin"}),
    "edit_campaigns": frozenset({"owner", "admin", "manager"}),
    "edit_templates": frozenset({"owner", "admin", "manager"}),
    "edit_locations": frozenset({"owner", "admin", "manager"}),
    "manage_users": frozenset({"owner", "admin"}),
    "manage_keys": frozenset({"owner", "admin"}),
    "manage_settings": frozenset({"owner", "admin"}),
    "manage_owners": frozenset({"owner"}),
    "read_audit": frozenset({"owner", "admin"}),
}


class NotAllowed(PermissionError):
    def __init__(self, role: str, action: str):
        super().__init__(f"the {role} role may not {action.replace('_', ' ')}")
        self.role, self.action = role, action


def allowed(role: str, action: str) -> bool:
    return role in ACTIONS[action]


def require(role: str, action: str) -> None:
    if not allowed(role, action):
        raise NotAllowed(role, action)


def may_grant(granter: str, role: str) -> bool:
    """Admins invite and change anyone but owners; only an owner makes or changes an owner."""
    if role == "owner":
        return granter == "owner"
    return allowed(granter, "manage_users")
