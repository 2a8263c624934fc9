"""Who may do what: the one place that decides (see docs/permissions.md).

Views call these functions and answer 403 when they say no, so a page and its
htmx fragment always agree.
"""

from __future__ import annotations

from datetime import datetime

from .models import Booking, Role, Status, User
from .privacy import PLACEHOLDER_EMAIL

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
    # The counter: walk-in bookings, check-in, keys and equipment out and back, the day's end.
    "desk.work": STAFF,
    "garden.view": frozenset({Role.PARTNER}) | MANAGERS,
    "garden.apply": frozenset({Role.PARTNER}),
    "garden.manage": MANAGERS,
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
    if user.role == Role.PARTNER and user.organisation_id == booking.organisation_id:
        return True
    # A resource's approvers read the requests they decide.
    return booking.resource_id in approved_resource_ids(user)


def sees_contact(user: User, booking: Booking) -> bool:
    """The group's contact person and phone: the house's staff only, never another group."""
    return user.role in STAFF


def can_view_request(user: User, booking: Booking) -> bool:
    return sees_details(user, booking)


def approved_resource_ids(user: User) -> frozenset[int]:
    """The resources this account decides as a named approver (none for a visitor)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(r.id for r in user.approves)


def can_view_queue(user: User) -> bool:
    """The queue: the house's managers see every request, a resource's approvers that resource's."""
    return allowed(user, "queue.view") or bool(approved_resource_ids(user))


def can_decide_resources(user: User, resource_ids) -> bool:
    """Managers decide for every resource; an approver only when every resource is theirs."""
    if allowed(user, "booking.decide"):
        return True
    mine = approved_resource_ids(user)
    ids = set(resource_ids)
    return bool(ids) and ids <= mine


def can_decide(user: User, booking: Booking) -> bool:
    """May this user approve, reject, change or counter-offer this booking?

    The house's managers decide every booking; a resource's named approvers the bookings of that
    resource, and a request bundled with equipment only if they approve for all of it.
    """
    return can_decide_resources(user, [part.resource_id for part in booking.parts])


def can_decide_series(user: User, series) -> bool:
    """A series is all of one resource: its approvers and the managers decide its dates."""
    return can_decide_resources(user, [series.resource_id])


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


def can_see_application(user: User, application) -> bool:
    """A garden application: the group's own members and the house's managers (others: 404)."""
    if allowed(user, "garden.manage"):
        return True
    return user.role == Role.PARTNER and user.organisation_id == application.organisation_id


def assignable_roles(user: User) -> list[Role]:
    """Managers create partner and desk accounts; only an admin creates managers and admins."""
    if user.role == Role.ADMIN:
        return list(Role)
    if user.role == Role.MANAGER:
        return [Role.PARTNER, Role.DESK]
    return []


def can_manage_account(user: User, account: User) -> bool:
    """A manager looks after partner and desk accounts; an admin after every account (but the
    placeholder that erased people's bookings point to)."""
    return (allowed(user, "user.manage") and account.role in assignable_roles(user)
            and account.email != PLACEHOLDER_EMAIL)


# Data protection (booking/privacy/, docs/privacy.md)

def can_export_person(user: User, account: User) -> bool:
    """One's own data; the house's managers anyone's."""
    return user.role in MANAGERS or user.id == account.id


def can_erase_person(user: User, account: User) -> bool:
    """Whoever looks after the account (an administrator their own too; never the last one)."""
    return can_manage_account(user, account)


def sees_organisation(user: User, organisation_id: int) -> bool:
    """Whether a group exists for this user at all: a partner knows only its own (else 404)."""
    return user.role != Role.PARTNER or user.organisation_id == organisation_id


def can_export_organisation(user: User, organisation_id: int) -> bool:
    """The house's managers any group's data; a partner its own group's."""
    return user.role in MANAGERS or (user.role == Role.PARTNER and user.organisation_id == organisation_id)


def can_erase_organisation(user: User) -> bool:
    return user.role in MANAGERS
