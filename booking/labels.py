"""The words people read for the house's statuses, kinds and roles."""


from .lazytext import lazy_gettext as _l
from .models import OrganisationKind, ResourceKind, Role, Status

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


def init_app(app) -> None:
    app.jinja_env.globals.update(
        status_label=lambda s: STATUS[Status(s)],
        resource_kind_label=lambda k: RESOURCE_KIND[ResourceKind(k)],
        resource_kind_singular=lambda k: RESOURCE_KIND_SINGULAR[ResourceKind(k)],
        organisation_kind_label=lambda k: ORGANISATION_KIND[OrganisationKind(k)],
        role_label=lambda r: ROLE[Role(r)],
    )
