"""Roles and the desk-level rights each has (logging, bulk actions, reviews, configuration,
users). What a role may do to one incident is the role table in ``incident_rights``, decided by
``permissions.why_not``. Services check both for every door (GUI, CLI, intake)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

from app.domain.errors import PermissionDenied


class Role(enum.StrEnum):
    AGENT = "agent"
    SPECIALIST = "specialist"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def a(self) -> str:
        """The role with its article, as a sentence uses it: "an agent", "a supervisor"."""
        return ("an " if self.value[0] in "aeiou" else "a ") + self.value


class Permission(enum.StrEnum):
    """Rights that do not depend on one incident; the value is the verb phrase."""

    LOG = "log incidents"
    RECORD_PROBLEMS = "record problems and known errors"
    BULK_EDIT = "run bulk actions on many incidents"
    REVIEW = "run post-incident reviews"
    CONFIGURE = (
        "configure the desk: the priority matrix, SLA policies, calendars, groups and categories"
    )
    MANAGE_USERS = "manage users"


_EVERYONE = frozenset({Permission.LOG, Permission.RECORD_PROBLEMS})
_SUPERVISOR = _EVERYONE | {Permission.BULK_EDIT, Permission.REVIEW}

GRANTS: Mapping[Role, frozenset[Permission]] = {
    Role.AGENT: _EVERYONE,
    Role.SPECIALIST: _EVERYONE,
    Role.SUPERVISOR: _SUPERVISOR,
    Role.ADMIN: _SUPERVISOR | {Permission.CONFIGURE, Permission.MANAGE_USERS},
}


def can(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]


def only(roles: Iterable[Role]) -> str:
    """ "a supervisor or an admin": the roles that may, in words."""
    names = [r.a for r in roles]
    if not names:
        return "nobody"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def require(role: Role, permission: Permission, *, who: str = "this user") -> None:
    if not can(role, permission):
        allowed = only(r for r in Role if can(r, permission))
        raise PermissionDenied(f"Only {allowed} may {permission.value} ({who} is {role.a})")
