"""The house manager's forms: resources, organisations, accounts and rejections."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from wtforms import (
    BooleanField,
    EmailField,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice, enum_coerce
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from .. import labels, policy
from ..extensions import db
from ..content import set_translations
from ..content.forms import fill, translations_form, typed
from ..forms import Form
from ..lazytext import lazy_gettext as _l
from ..models import LONGEST_BUFFER, Organisation, OrganisationKind, Resource, ResourceKind, Role, User
from ..sessions.forms import SentOnce

# Beyond these nobody in the house needs more, and they keep clear of the database's integer range.
MAX_PEOPLE = 10_000
MAX_UNITS = 10_000
MAX_DESCRIPTION = 2_000
# A partner group's longest booking: up to a year, for garden plots.
MAX_HOURS = 366 * 24
# Quotas: a month has at most 744 hours, a plot many of them; a group rarely waits for 1000 answers.
MAX_QUOTA_HOURS = 31 * 24 * 100
MAX_OPEN_REQUESTS = 1000

LANGUAGE_CHOICES = [
    SelectChoice("de", "Deutsch", render_kw={"lang": "de"}),
    SelectChoice("en", "English", render_kw={"lang": "en"}),
]


def strip(value):
    """Trim what people paste along with a name or address."""
    return value.strip() if isinstance(value, str) else value


def optional_id(value) -> int | None:
    """The value of a select whose first option is "none"."""
    if value is None or value == "":
        return None
    return int(value)


class Unique:
    """The value must not be in use by another row; compared without regard to case."""

    def __init__(self, column, message):
        self.column = column
        self.message = message

    def taken(self, form, value) -> bool:
        if not value:
            return False
        model = self.column.class_
        query = sa.select(model.id).where(sa.func.lower(self.column) == value.lower())
        if form.editing is not None:
            query = query.where(model.id != form.editing.id)
        return db.session.scalar(query.limit(1)) is not None

    def __call__(self, form, field):
        if self.taken(form, field.data):
            raise ValidationError(self.message)


def commit_or_mark_taken(form) -> bool:
    """Commit the one transaction.

    If another save took a unique value since the form was checked, roll back and say so at its field.
    """
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        for field in form:
            for check in field.validators:
                if isinstance(check, Unique) and check.taken(form, field.data):
                    field.errors.append(check.message)
                    return False
        raise
    return True


class EditingForm(Form):
    """A form that fills itself from the row it edits (none when creating)."""

    def __init__(self, *args, editing=None, **kwargs):
        super().__init__(*args, obj=editing, **kwargs)
        self.editing = editing


class ResourceForm(SentOnce, EditingForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[
            DataRequired(),
            Length(max=120),
            Unique(Resource.name, _l("There is already a resource with this name.")),
        ],
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(k.value, labels.RESOURCE_KIND_SINGULAR[k]) for k in ResourceKind],
        coerce=enum_coerce(ResourceKind),
        default=ResourceKind.ROOM,
        validators=[InputRequired()],
    )
    capacity = IntegerField(
        _l("Capacity (people)"), validators=[Optional(), NumberRange(min=1, max=MAX_PEOPLE)]
    )
    quantity = IntegerField(
        _l("Quantity (units)"), validators=[Optional(), NumberRange(min=1, max=MAX_UNITS)]
    )
    location = StringField(_l("Location"), filters=[strip], validators=[Optional(), Length(max=120)])
    description = TextAreaField(
        _l("Description"), filters=[strip], validators=[Optional(), Length(max=MAX_DESCRIPTION)]
    )
    setup_minutes = IntegerField(
        _l("Set-up time (minutes)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=LONGEST_BUFFER, message=_l(
            "Please enter a number of minutes from %(min)s to %(max)s."))],
    )
    cleanup_minutes = IntegerField(
        _l("Clean-up time (minutes)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=LONGEST_BUFFER, message=_l(
            "Please enter a number of minutes from %(min)s to %(max)s."))],
    )
    max_hours = IntegerField(
        _l("Longest booking for partner groups (hours)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_HOURS, message=_l(
            "Please enter a number of hours from %(min)s to %(max)s, or leave the field empty."))],
    )
    translated = FormField(translations_form({
        "name": (_l("Name"), 120, False),
        "description": (_l("Description"), MAX_DESCRIPTION, True),
        "location": (_l("Location"), 120, False),
    }))

    release_after_minutes = IntegerField(
        _l("Release without check-in after (minutes)"),
        validators=[Optional(), NumberRange(min=5, max=LONGEST_BUFFER, message=_l(
            "Please enter a number of minutes from %(min)s to %(max)s, or leave the field empty."))],
    )

    approver_ids = SelectMultipleField(_l("Approvers"), coerce=int, validate_choice=True)

    def __init__(self, *args, editing: Resource | None = None, **kwargs):
        super().__init__(*args, editing=editing, **kwargs)
        if editing is not None and not self.is_submitted():
            fill(self.translated.form, editing)
        # A room or plot counts as one unit; an empty field says so better than "1".
        if editing is not None and editing.kind != ResourceKind.EQUIPMENT and not self.is_submitted():
            self.quantity.data = None
        # Approvers: active partner and desk accounts (managers decide everything anyway); an
        # account already named stays offered, so that it can be taken off.
        named = {u.id for u in editing.approvers} if editing is not None else set()
        offered = sa.and_(User.active, User.role.in_([Role.PARTNER, Role.DESK]))
        if named:
            offered = sa.or_(offered, User.id.in_(named))
        people = db.session.scalars(sa.select(User).options(joinedload(User.organisation))
                                    .where(offered).order_by(User.name, User.id))
        self.approver_ids.choices = [
            (u.id, f"{u.name} ({u.organisation.name})" if u.organisation else f"{u.name} ({labels.ROLE[u.role]})")
            for u in people
        ]
        if not self.is_submitted():
            self.approver_ids.data = sorted(named)
        elif self.approver_ids.data is None:
            self.approver_ids.data = []

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        missing = self.quantity.data is None and not self.quantity.errors
        if self.kind.data == ResourceKind.EQUIPMENT and missing:
            self.quantity.errors.append(_("Say how many units the house has."))
            valid = False
        return valid

    def apply_to(self, resource: Resource) -> None:
        """Capacity counts people in a room; quantity counts units of equipment."""
        resource.name = self.name.data
        resource.kind = self.kind.data
        resource.location = self.location.data or ""
        resource.description = self.description.data or ""
        resource.capacity = self.capacity.data if self.kind.data == ResourceKind.ROOM else None
        resource.quantity = self.quantity.data if self.kind.data == ResourceKind.EQUIPMENT else 1
        # Plots are booked by whole days: a buffer would keep them from the next day's group.
        plot = self.kind.data == ResourceKind.PLOT
        resource.setup_minutes = 0 if plot else self.setup_minutes.data or 0
        resource.cleanup_minutes = 0 if plot else self.cleanup_minutes.data or 0
        resource.max_hours = self.max_hours.data
        set_translations(resource, typed(self.translated.form))
        resource.release_after_minutes = None if plot else self.release_after_minutes.data
        chosen = set(self.approver_ids.data or [])
        if chosen != {u.id for u in resource.approvers}:
            resource.approvers = list(db.session.scalars(sa.select(User).where(User.id.in_(chosen)))) if chosen else []


class ConfirmField(HiddenField):
    """The approved bookings a manager was shown and chose to keep in conflict: ids, comma-separated."""


class ResourceEditForm(ResourceForm):
    submission_key = None  # a change, not a new resource
    active = BooleanField(_l("Active: can be requested"))
    confirm = ConfirmField()

    def apply_to(self, resource: Resource) -> None:
        super().apply_to(resource)
        resource.active = self.active.data


class OrganisationForm(SentOnce, EditingForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[
            DataRequired(),
            Length(max=120),
            Unique(Organisation.name, _l("There is already a group with this name.")),
        ],
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(k.value, label) for k, label in labels.ORGANISATION_KIND.items()],
        coerce=enum_coerce(OrganisationKind),
        validators=[InputRequired()],
    )
    contact_name = StringField(
        _l("Contact person"), filters=[strip], validators=[Optional(), Length(max=120)]
    )
    email = EmailField(_l("E-mail"), filters=[strip], validators=[Optional(), Length(max=254), Email()])
    phone = TelField(_l("Phone"), filters=[strip], validators=[Optional(), Length(max=40)])
    # Quotas: empty means none.
    quota_room_hours = IntegerField(_l("Hours of rooms a month"), validators=[Optional(), NumberRange(
        min=1, max=MAX_QUOTA_HOURS, message=_l("Please enter a number from %(min)s to %(max)s, or leave the field empty."))])
    quota_plot_hours = IntegerField(_l("Hours of garden plots a month"), validators=[Optional(), NumberRange(
        min=1, max=MAX_QUOTA_HOURS, message=_l("Please enter a number from %(min)s to %(max)s, or leave the field empty."))])
    quota_equipment_hours = IntegerField(_l("Hours of equipment a month"), validators=[Optional(), NumberRange(
        min=1, max=MAX_QUOTA_HOURS, message=_l("Please enter a number from %(min)s to %(max)s, or leave the field empty."))])
    quota_open_requests = IntegerField(_l("Open requests at once"), validators=[Optional(), NumberRange(
        min=1, max=MAX_OPEN_REQUESTS, message=_l("Please enter a number from %(min)s to %(max)s, or leave the field empty."))])

    def apply_to(self, organisation: Organisation) -> None:
        organisation.name = self.name.data
        organisation.kind = self.kind.data
        organisation.contact_name = self.contact_name.data or ""
        organisation.email = self.email.data or ""
        organisation.phone = self.phone.data or ""
        organisation.quota_room_hours = self.quota_room_hours.data
        organisation.quota_plot_hours = self.quota_plot_hours.data
        organisation.quota_equipment_hours = self.quota_equipment_hours.data
        organisation.quota_open_requests = self.quota_open_requests.data


class OrganisationEditForm(OrganisationForm):
    submission_key = None  # a change, not a new group
    active = BooleanField(_l("Active: the group can be chosen for accounts"))
    confirm = ConfirmField()

    def apply_to(self, organisation: Organisation) -> None:
        super().apply_to(organisation)
        organisation.active = self.active.data


class AccountForm(EditingForm):
    """What a new and an existing account share: name, role and the group of a partner."""

    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), coerce=enum_coerce(Role), validators=[InputRequired()])
    organisation_id = SelectField(_l("Group"), coerce=optional_id)

    def __init__(self, *args, actor: User, editing: User | None = None, **kwargs):
        super().__init__(*args, editing=editing, **kwargs)
        self.role.choices = [SelectChoice(r.value, labels.ROLE[r]) for r in policy.assignable_roles(actor)]
        # New members join active groups only; an account keeps the group it is in.
        keep = editing.organisation_id if editing is not None else None
        offered = Organisation.active
        if keep is not None:
            offered = sa.or_(offered, Organisation.id == keep)
        groups = db.session.scalars(sa.select(Organisation).where(offered).order_by(Organisation.name))
        self.organisation_id.choices = [SelectChoice("", _l("No group"))] + [
            SelectChoice(str(g.id), g.name if g.active else _l("%(name)s (inactive)", name=g.name))
            for g in groups
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        missing = self.organisation_id.data is None and not self.organisation_id.errors
        if self.role.data == Role.PARTNER and missing:
            self.organisation_id.errors.append(_("A partner account needs a group."))
            valid = False
        return valid

    def apply_to(self, user: User) -> None:
        """Only partner accounts belong to a group; staff work for the house."""
        user.name = self.name.data
        user.role = self.role.data
        user.organisation_id = self.organisation_id.data if self.role.data == Role.PARTNER else None


class AccountNewForm(SentOnce, AccountForm):
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[
            DataRequired(),
            Length(max=254),
            Email(),
            Unique(User.email, _l("There is already an account with this e-mail address.")),
        ],
    )
    language = SelectField(
        _l("Language"), choices=LANGUAGE_CHOICES, default="de", validators=[InputRequired()]
    )

    def apply_to(self, user: User) -> None:
        """The person chooses the password: the account has none until the invitation is accepted."""
        super().apply_to(user)
        user.email = User.normalise_email(self.email.data)
        user.language = self.language.data


class AccountEditForm(AccountForm):
    active = BooleanField(_l("Active: the account can log in"))

    def __init__(self, *args, actor: User, editing: User, **kwargs):
        super().__init__(*args, actor=actor, editing=editing, **kwargs)
        self.actor = actor

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Nobody locks themselves out: one's own role and access are changed by another admin.
        if self.editing.id == self.actor.id:
            if self.role.data is not None and self.role.data != self.editing.role:
                self.role.errors.append(_("You cannot change your own role."))
                valid = False
            if not self.active.data:
                self.active.errors.append(_("You cannot deactivate your own account."))
                valid = False
        return valid

    def apply_to(self, user: User) -> None:
        super().apply_to(user)
        user.active = self.active.data


class RejectForm(Form):
    """A rejection always tells the group why."""

    reason = TextAreaField(
        _l("Reason for the group"),
        validators=[
            DataRequired(_l("Please give a reason for the rejection.")),
            Length(max=500, message=_l("At most %(max)d characters, please.")),
        ],
    )
