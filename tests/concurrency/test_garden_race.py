"""The last plot, allocated to two groups at the same instant through a real server: exactly one
allocation succeeds, the other gets 409 with a message, and the plot has one approved booking."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking.clock import now, today
from booking.extensions import db
from booking.garden.models import ApplicationStatus, GardenApplication, GardenSeason
from booking.models import Booking, ResourceKind, Role, Status
from tests.conftest import committed

pytestmark = pytest.mark.server


def test_two_allocations_of_the_last_plot_at_once_one_wins(server, manager, make):
    plot_id = make.resource("Beet 7", kind=ResourceKind.PLOT).id
    day = today()
    season = GardenSeason(name="Saison", starts_on=day + timedelta(days=30), ends_on=day + timedelta(days=200),
                          apply_from=day - timedelta(days=20), apply_until=day - timedelta(days=1), offer_days=7)
    db.session.add(season)
    ids = []
    for n in range(2):
        group = make.organisation(f"Gruppe {n}")
        member = make.user(Role.PARTNER, group)
        application = GardenApplication(season=season, organisation=group, applied_by=member,
                                        created_at=now() - timedelta(hours=2 - n))
        db.session.add(application)
        db.session.commit()
        ids.append(application.id)
    for _attempt in range(3):  # a few rounds: the two requests meet in different orders
        responses = manager.post_all([(f"/garden/applications/{i}/allocate", {"plot": str(plot_id)}) for i in ids])
        statuses = Counter(r.status for r in responses)
        assert set(statuses) <= {303, 409}, statuses
        rows = committed(sa.select(Booking.id, Booking.organisation_id).where(
            Booking.resource_id == plot_id, Booking.status == Status.APPROVED))
        assert len(rows) == 1, rows
        allocated = committed(sa.select(GardenApplication.id).where(
            GardenApplication.status == ApplicationStatus.ALLOCATED))
        assert len(allocated) == 1
        if _attempt == 0:
            assert statuses == Counter({303: 1, 409: 1}), statuses
            refused = next(r for r in responses if r.status == 409)
            assert "Beet 7" in refused.text
        else:  # both already decided: the winner is allocated, the other still refused
            assert statuses[409] == 2
    server.assert_no_errors()
