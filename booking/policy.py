"""Who may do what: the one place that decides (see docs/permissions.md).

Views call these functions and answer 403 when they say no, so a page and its
htmx fragment always agree.
"""

from __future__ import annotations

from datetime import datetime

from .models import Booking, Role, Status, User

STAFF = frozenset({Role.DESK, Role.MANAGER, Role.ADMIN})
MANAGERS = frozenset({Role.MANAGER, Role.ADMIN})

# Role-level permissions; per-booking rules are in the functions below.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "request.create": frozenset({Role.PARTNER}) | MANAGERS,
    "request.list_own": frozenset({Role.PARTNER}),
    "board.view": frozenset({Role.PARTNER}) | STAFF,
    "queue.view": MANAGERS,
    "booking.decide": MANAGERS,
    "resource.manage": MANAGERS,
    "organisation.manage": MANAGERS,
    "user.manage": MANAGERS,
    "outbox.manage": MANAGERS,
    "lobby.manage": MANAGERS,
    "report.view": MANAGERS,
    "purpose.manage": MANAGERS,
}


def allowed(user: User, action: str) -> bool:
    """May this user do this kind of thing at all?"""
    return bool(getattr(user, "is_authenticated", False)) and user.role in PERMISSIONS[action]


def sees_details(user: User, booking: Booking) -> bool:
    """Organisation, title, note and contact: staff and the booking's own organisation only."""
    if user.role in STAFF:
        return True
    return user.role == Role.PARTNER and user.organisation_id == booking.organisation_id


def can_view_request(user: User, booking: Booking) -> bool:
    return sees_details(user, booking)


def can_decide(user: User, booking: Booking) -> bool:
    """May this user approve, reject, change or counter-offer this booking?"""
    return allowed(user, "booking.decide")


def can_withdraw(user: User, booking: Booking, at: datetime) -> bool:
    """A partner withdraws its own request, pending or approved, until it has started."""
    return (
        user.role == Role.PARTNER
        and user.organisation_id == booking.organisation_id
        and booking.status in (Status.PENDING, Status.APPROVED)
        and booking.starts_at > at
    )


def can_change_series(user: User, series) -> bool:
    """The group cancels or moves its own series' dates; the house's managers any series'."""
    if user.role in MANAGERS:
        return True
    return user.role == Role.PARTNER and user.organisation_id == series.organisation_id


def assignable_roles(user: User) -> list[Role]:
    """Managers create partner and desk accounts; only an admin creates managers and admins."""
    if user.role == Role.ADMIN:
        return list(Role)
    if user.role == Role.MANAGER:
        return [Role.PARTNER, Role.DESK]
    return []


def can_manage_account(user: User, account: User) -> bool:
    """A manager looks after partner and desk accounts; an admin after every account."""
    return allowed(user, "user.manage") and account.role in assignable_roles(user)
