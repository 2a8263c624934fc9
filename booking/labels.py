"""The words people read for the house's statuses, kinds and roles."""


from .lazytext import lazy_gettext as _l
from .models import Attendance, OrganisationKind, ResourceKind, Role, Status

STATUS = {
    Status.PENDING: _l("pending"),
    Status.APPROVED: _l("approved"),
    Status.REJECTED: _l("rejected"),
    Status.CANCELLED: _l("withdrawn"),
}

RESOURCE_KIND = {
    ResourceKind.ROOM: _l("Rooms"),
    ResourceKind.PLOT: _l("Garden plots"),
    ResourceKind.EQUIPMENT: _l("Equipment"),
}

RESOURCE_KIND_SINGULAR = {
    ResourceKind.ROOM: _l("Room"),
    ResourceKind.PLOT: _l("Garden plot"),
    ResourceKind.EQUIPMENT: _l("Piece of equipment"),
}

ORGANISATION_KIND = {
    OrganisationKind.ASSOCIATION: _l("Association"),
    OrganisationKind.CHURCH: _l("Church"),
    OrganisationKind.UNION: _l("Union"),
    OrganisationKind.MIGRANT_ORGANISATION: _l("Migrant organisation"),
    OrganisationKind.PUBLIC_BODY: _l("Public body"),
    OrganisationKind.WELFARE: _l("Welfare provider"),
    OrganisationKind.EDUCATION: _l("Education provider"),
    OrganisationKind.INITIATIVE: _l("Initiative"),
}

ROLE = {
    Role.PARTNER: _l("Partner group"),
    Role.DESK: _l("Front desk"),
    Role.MANAGER: _l("House manager"),
    Role.ADMIN: _l("Administrator"),
}


# What the front desk saw of a booking on its day (the group reads it too).
ATTENDANCE = {
    Attendance.ARRIVED: _l("Arrived"),
    Attendance.NO_SHOW: _l("No-show"),
    Attendance.RELEASED: _l("Released by the front desk"),
}

# The desk's notes in a booking's history, stored in English as code words (booking/desk/).
DESK_NOTES = {
    "Walk-in at the front desk": _l("Walk-in at the front desk"),
    "Checked in at the front desk": _l("Checked in at the front desk"),
    "No-show noted by the front desk": _l("No-show noted by the front desk"),
    "Released by the front desk: no check-in": _l("Released by the front desk: no check-in"),
}


def init_app(app) -> None:
    app.jinja_env.globals.update(
        status_label=lambda s: STATUS[Status(s)],
        resource_kind_label=lambda k: RESOURCE_KIND[ResourceKind(k)],
        resource_kind_singular=lambda k: RESOURCE_KIND_SINGULAR[ResourceKind(k)],
        organisation_kind_label=lambda k: ORGANISATION_KIND[OrganisationKind(k)],
        role_label=lambda r: ROLE[Role(r)],
        attendance_label=lambda a: ATTENDANCE.get(a, a or ""),
        history_reason=lambda reason: DESK_NOTES.get(reason, reason),
    )
