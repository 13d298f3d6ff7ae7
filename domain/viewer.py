"""Who is asking: the identity the gateway forwards in a signed token."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import DomainError, ErrorCode


class Role(StrEnum):
    ADMIN = "ADMIN"
    USER = "USER"


@dataclass(frozen=True)
class Viewer:
    """A team member acting inside one location (tenant).

    ``assigned_only`` is the help page's "Restrict data visibility to only assigned data":
    such a user sees a contact only as its owner or one of its followers.
    """

    user_id: str
    location_id: str
    role: Role = Role.USER
    assigned_only: bool = False
    can_charge: bool = False
    """The token's ``can_charge`` claim: this user may charge cards and start subscriptions
    (admins always may)."""

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def may_charge(self) -> bool:
        return self.is_admin or self.can_charge

    def require_admin(self, what: str) -> None:
        """Settings of the location (custom fields, calendars, labels) are admins' to change."""
        if not self.is_admin:
            raise DomainError.single(ErrorCode.FORBIDDEN, f"only an admin can manage {what}")

    def can_see(self, owner_id: str | None, follower_ids: list[str] | tuple[str, ...]) -> bool:
        if not self.assigned_only:
            return True
        return owner_id == self.user_id or self.user_id in follower_ids
