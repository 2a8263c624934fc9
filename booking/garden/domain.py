"""The season round: apply in the window, allocate after it, a waiting list for plots given back.

Plain functions: they take the session and the acting user, flush, never commit. A refusal is a
GardenConflict whose message the view shows with 409. An allocation is an approved booking of the
plot for the season, made through the workflow: the no-double-booking guarantee holds for it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import workflow
from ..clock import local, to_utc
from ..database import lock_for_decision
from ..lazytext import lazy_gettext as _l
from ..models import Booking, Organisation, Resource, ResourceKind, Status, User
from ..rules import Ask, Part
from .models import ApplicationStatus, GardenApplication, GardenSeason

OPEN = (ApplicationStatus.WAITING, ApplicationStatus.OFFERED)


class GardenConflict(Exception):
    """A step that cannot be taken now; `message` is for the reader (answered with 409)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def create_season(session: Session, *, by: User, name: str, starts_on: date, ends_on: date,
                  apply_from: date, apply_until: date, offer_days: int) -> GardenSeason:
    season = GardenSeason(name=name, starts_on=starts_on, ends_on=ends_on, apply_from=apply_from,
                          apply_until=apply_until, offer_days=offer_days, created_by_id=by.id)
    session.add(season)
    session.flush()
    return season


def _lock_application(session: Session, application_id: int) -> GardenApplication:
    """The application read afresh, its row locked (PostgreSQL) until the commit."""
    found = session.scalar(sa.select(GardenApplication).where(GardenApplication.id == application_id)
                           .with_for_update().execution_options(populate_existing=True))
    return found


def apply(session: Session, season: GardenSeason, *, by: User, organisation: Organisation,
          wish: Resource | None, note: str, at: datetime) -> GardenApplication:
    """A group applies for a plot, or for any plot, while the window is open; once a season."""
    if not season.window_open(local(at).date()):
        raise GardenConflict(_l("Applications for this season are not open now."))
    # The group's row (PostgreSQL; SQLite's writes are one at a time anyway): one application at a
    # time, and the unique constraint behind it.
    session.execute(sa.select(Organisation.id).where(Organisation.id == organisation.id).with_for_update())
    taken = session.scalar(sa.select(GardenApplication.id).where(
        GardenApplication.season_id == season.id, GardenApplication.organisation_id == organisation.id))
    if taken is not None:
        raise GardenConflict(_l("Your group has already applied for this season."))
    application = GardenApplication(season_id=season.id, organisation_id=organisation.id, applied_by_id=by.id,
                                    wish_id=wish.id if wish else None, note=note, created_at=at)
    session.add(application)
    session.flush()
    return application


def season_span(season: GardenSeason, at: datetime) -> tuple[datetime, datetime]:
    """The season as instants, from midnight; a season under way from tomorrow on."""
    first = max(season.starts_on, local(at).date() + timedelta(days=1))
    return to_utc(first, time(0)), to_utc(season.ends_on + timedelta(days=1), time(0))


def _book(session: Session, application: GardenApplication, plot: Resource, by: User, at: datetime) -> Booking:
    """The approved booking of the plot for the (rest of the) season, through the workflow."""
    starts_at, ends_at = season_span(application.season, at)
    if ends_at <= starts_at:
        raise GardenConflict(_l("This season is over."))
    booking = workflow.submit(session, Ask((Part(plot),), starts_at, ends_at), by=by,
                              organisation=application.organisation, title=application.season.name[:120])
    workflow.approve(session, booking, by, at)  # refuses if the plot is taken (ConflictError)
    return booking


def allocate(session: Session, application_id: int, plot: Resource, *, by: User, at: datetime) -> GardenApplication:
    """The manager gives a waiting application a plot for the season, after the window."""
    application = _lock_application(session, application_id)
    lock_for_decision(session, [plot.id])
    application = session.get(GardenApplication, application_id)
    if not application.season.window_closed(local(at).date()):
        raise GardenConflict(_l("Plots are allocated after the application window closes."))
    if application.status == ApplicationStatus.ALLOCATED:
        raise GardenConflict(_l("This group already has a plot this season."))
    if application.status != ApplicationStatus.WAITING:
        raise GardenConflict(_l("Only waiting applications can be given a plot."))
    _check_plot(plot)
    application.booking = _book(session, application, plot, by, at)
    application = session.get(GardenApplication, application_id)  # the workflow reloaded everything
    application.status = ApplicationStatus.ALLOCATED
    application.plot_id = plot.id
    application.offer_until = None
    session.flush()
    return application


def _check_plot(plot: Resource) -> None:
    if plot.kind != ResourceKind.PLOT or not plot.active:
        raise GardenConflict(_l("Please choose an active garden plot."))


def offer_next(session: Session, season: GardenSeason, plot: Resource, at: datetime) -> GardenApplication | None:
    """Offer a free plot to the first on the waiting list who wished for it or for any plot."""
    first = session.scalar(
        sa.select(GardenApplication)
        .where(GardenApplication.season_id == season.id, GardenApplication.status == ApplicationStatus.WAITING,
               sa.or_(GardenApplication.wish_id.is_(None), GardenApplication.wish_id == plot.id))
        .order_by(GardenApplication.created_at, GardenApplication.id)
        .limit(1)
    )
    if first is None:
        return None
    first.status = ApplicationStatus.OFFERED
    first.plot_id = plot.id
    first.offer_until = at + timedelta(days=season.offer_days)
    session.flush()
    return first


def move_on(session: Session, season: GardenSeason, at: datetime) -> int:
    """Offers that ran out lapse; each plot goes to the next on the list. Returns how many lapsed."""
    lapsed = session.scalars(sa.select(GardenApplication).where(
        GardenApplication.season_id == season.id, GardenApplication.status == ApplicationStatus.OFFERED,
        GardenApplication.offer_until <= at)).all()
    for application in lapsed:
        application.status = ApplicationStatus.LAPSED
        session.flush()
        offer_next(session, season, application.plot, at)
    return len(lapsed)


def give_back(session: Session, application_id: int, *, by: User, at: datetime) -> GardenApplication:
    """The group gives its plot back: the season's booking is cancelled, the plot offered on."""
    application = _lock_application(session, application_id)
    if application.status != ApplicationStatus.ALLOCATED or application.booking is None:
        raise GardenConflict(_l("This group holds no plot this season."))
    plot, booking = application.plot, application.booking
    if booking.status == Status.APPROVED:
        workflow.withdraw(session, booking, by, at)
    application = session.get(GardenApplication, application_id)
    application.status = ApplicationStatus.GIVEN_BACK
    session.flush()
    offer_next(session, application.season, plot, at)
    return application


def accept(session: Session, application_id: int, *, by: User, at: datetime) -> GardenApplication:
    """The group takes the plot offered to it, before the offer runs out."""
    application = _lock_application(session, application_id)
    if application.status != ApplicationStatus.OFFERED:
        raise GardenConflict(_l("There is no offer to accept."))
    if application.offer_until <= at:
        raise GardenConflict(_l("This offer has run out."))
    plot = application.plot
    lock_for_decision(session, [plot.id])
    application = session.get(GardenApplication, application_id)
    application.booking = _book(session, application, plot, by, at)
    application = session.get(GardenApplication, application_id)
    application.status = ApplicationStatus.ALLOCATED
    application.offer_until = None
    session.flush()
    return application


def decline(session: Session, application_id: int, *, by: User, at: datetime) -> GardenApplication:
    """The group says no to the plot offered; it goes to the next on the list."""
    application = _lock_application(session, application_id)
    if application.status != ApplicationStatus.OFFERED:
        raise GardenConflict(_l("There is no offer to decline."))
    plot = application.plot
    application.status = ApplicationStatus.DECLINED
    session.flush()
    offer_next(session, application.season, plot, at)
    return application


def waiting_list(season: GardenSeason) -> list[GardenApplication]:
    return [a for a in season.applications if a.status == ApplicationStatus.WAITING]


def free_plots(session: Session, season: GardenSeason) -> list[Resource]:
    """Active plots that no application of the season holds or is offered, and that no approved
    booking takes during the season (a plot's bookings are a year long at most: a bounded scan)."""
    held = sa.select(GardenApplication.plot_id).where(
        GardenApplication.season_id == season.id,
        GardenApplication.status.in_([ApplicationStatus.ALLOCATED, ApplicationStatus.OFFERED]),
        GardenApplication.plot_id.is_not(None))
    first, last = to_utc(season.starts_on, time(0)), to_utc(season.ends_on + timedelta(days=1), time(0))
    booked = sa.select(Booking.resource_id).where(
        Booking.status == Status.APPROVED, Booking.busy_from > first - timedelta(days=367),
        Booking.busy_from < last, Booking.busy_until > first)
    plots = session.scalars(sa.select(Resource).where(
        Resource.kind == ResourceKind.PLOT, Resource.active, Resource.id.not_in(held), Resource.id.not_in(booked)))
    return sorted(plots, key=lambda r: r.sort_key)
