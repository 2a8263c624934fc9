"""The queue's filters: resource, kind, group, dates and status, and whose resources."""

from __future__ import annotations

import sqlalchemy as sa
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import enum_coerce

from .. import labels, policy
from ..extensions import db
from ..lazytext import lazy_gettext as _l
from ..models import Organisation, Resource, ResourceKind, Status, User
from .finding import FilterForm, date_field, id_choices, id_select


def visible_resources(user: User) -> frozenset[int] | None:
    """The resources whose requests the viewer sees in the queue: all (None) for the house's
    managers, else the ones the account approves."""
    if policy.allowed(user, "queue.view"):
        return None
    return policy.approved_resource_ids(user)


def _maybe(enum):
    coerce = enum_coerce(enum)
    return lambda value: None if value in (None, "") else coerce(value)


class QueueFilterForm(FilterForm):
    resource = id_select(_l("Resource"))
    kind = SelectField(_l("Kind"), coerce=_maybe(ResourceKind))
    organisation = id_select(_l("Group"))
    date_from = date_field(_l("From"))
    date_to = date_field(_l("Until"), after="date_from")
    status = SelectField(_l("Status"), coerce=_maybe(Status), default=Status.PENDING.value)
    mine = BooleanField(_l("Only the resources I approve"))

    def __init__(self, *, viewer: User, only: frozenset[int] | None):
        super().__init__()
        resources = sa.select(Resource).order_by(Resource.name)
        if only is not None:
            resources = resources.where(Resource.id.in_(only))
        self.resource.choices = id_choices(db.session.scalars(resources), _l("All resources"))
        self.kind.choices = [("", _l("All kinds"))] + [(k.value, labels.RESOURCE_KIND[k]) for k in ResourceKind]
        if only is None:
            groups = db.session.scalars(sa.select(Organisation).order_by(Organisation.name))
            self.organisation.choices = id_choices(groups, _l("All groups"))
        else:
            # An approver reads the groups of the requests they decide, not the house's list of groups.
            del self.organisation  # leaves self.organisation None
        self.status.choices = [(s.value, labels.STATUS[s]) for s in Status]
        # A manager who is also named approver of some resources may narrow the queue to them.
        self.offers_mine = only is None and bool(policy.approved_resource_ids(viewer))
        if not self.offers_mine:
            del self.mine  # leaves self.mine None
