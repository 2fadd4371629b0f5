"""Roles and what each may do. Services check these for every door (GUI, CLI, intake)."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from app.domain.errors import PermissionDenied


class Role(enum.StrEnum):
    AGENT = "agent"
    SPECIALIST = "specialist"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Permission(enum.StrEnum):
    LOG = "log incidents"
    WORK = "work incidents"  # update fields, journal, hold, resume, resolve, assign to self
    ASSIGN_OTHERS = "assign incidents to others"
    ESCALATE = "escalate incidents"
    CANCEL = "cancel incidents"
    CLOSE = "close incidents"
    REOPEN = "reopen incidents"
    MARK_MAJOR = "mark incidents major"
    BULK_EDIT = "bulk-edit incidents"
    EDIT_CLOSED = "edit closed incidents"
    REVIEW = "run post-incident reviews"
    CONFIGURE = "configure the desk"
    MANAGE_USERS = "manage users"


_BASE = frozenset(
    {
        Permission.LOG,
        Permission.WORK,
        Permission.ASSIGN_OTHERS,
        Permission.ESCALATE,
        Permission.CANCEL,
        Permission.CLOSE,
        Permission.REOPEN,
    }
)
_SUPERVISOR = _BASE | {Permission.MARK_MAJOR, Permission.BULK_EDIT, Permission.REVIEW}

GRANTS: Mapping[Role, frozenset[Permission]] = {
    Role.AGENT: _BASE,
    Role.SPECIALIST: _BASE,
    Role.SUPERVISOR: _SUPERVISOR,
    Role.ADMIN: _SUPERVISOR
    | {Permission.EDIT_CLOSED, Permission.CONFIGURE, Permission.MANAGE_USERS},
}


def can(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]


def require(role: Role, permission: Permission, *, who: str = "this user") -> None:
    if not can(role, permission):
        allowed = ", ".join(r.value for r in Role if can(r, permission))
        raise PermissionDenied(
            f"{who} ({role.value}) may not {permission.value}; allowed for: {allowed}"
        )
