"""The manager's reports: a period's figures with charts, downloads, the annual report, purposes."""

from __future__ import annotations

import json
from datetime import date, timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import database
from ..clock import now, today
from ..extensions import db
from ..models import ChangeRecord
from ..web import get_or_404, requires
from . import export, purposes
from .figures import Period, report
from .forms import PeriodForm, PurposeForm
from .models import Purpose
from .tables import OUTCOMES, TABLES, TITLES, Words, booking_headings, table

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.app_template_global("purpose_label")
def purpose_label(purpose):
    """A booking's purpose as the reader reads it (a built-in translated, a typed one as typed)."""
    return purposes.label(purpose)


FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def presets(day: date) -> list[tuple[str, date, date]]:
    """The periods offered as links: this month, this quarter, this year and last year."""
    quarter = (day.month - 1) // 3 * 3 + 1
    next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    quarter_end = date(day.year + (quarter + 3 > 12), (quarter + 2) % 12 + 1, 1) - timedelta(days=1)
    return [
        (_("This month"), day.replace(day=1), next_month - timedelta(days=1)),
        (_("This quarter"), date(day.year, quarter, 1), quarter_end),
        (_("This year"), date(day.year, 1, 1), date(day.year, 12, 31)),
        (_("Last year"), date(day.year - 1, 1, 1), date(day.year - 1, 12, 31)),
    ]


def _period_form() -> PeriodForm:
    """The period from the query string; without one, this year."""
    args = request.args
    if "start" not in args and "end" not in args:
        year = today().year
        args = MultiDict({**args.to_dict(), "start": f"{year}-01-01", "end": f"{year}-12-31"})
    return PeriodForm(formdata=args)


def _record(action: str, period: Period, what: str, table_name: str = "") -> None:
    """Access to reports and exports is in the record of changes: who looked at what, when."""
    database.take_write_lock(db.session)
    changes = [{"field": "period", "old": None, "new": f"{period.first.isoformat()} – {period.last.isoformat()}"},
               {"field": "format", "old": None, "new": what}]
    if table_name:
        changes.append({"field": "table", "old": None, "new": table_name})
    db.session.add(ChangeRecord(at=now(), actor_id=current_user.id, subject="report", subject_id=0, action=action,
                                label=str(TITLES.get(table_name, _("Report")))[:254],
                                changes=json.dumps(changes, ensure_ascii=False)))
    db.session.commit()


def _refused(form: PeriodForm):
    return render_template("reports/index.html", form=form, figures=None, presets=presets(today()),
                           tables=TABLES), 422


@bp.get("/")
@requires("report.view")
def index():
    """A period's bookings, hours and attendees by purpose, group, resource; use of rooms."""
    form = _period_form()
    if not form.validate():
        return _refused(form)
    period = Period(form.start.data, form.end.data)
    _record("viewed", period, "page")
    figures = report(db.session, period, purposes.label_of)
    return render_template("reports/index.html", form=form, figures=figures, presets=presets(today()),
                           tables=TABLES, outcomes=OUTCOMES, query={"start": period.first.isoformat(), "end": period.last.isoformat()})


@bp.get("/annual")
@requires("report.view")
def annual():
    """The report for funders, made to be printed on A4."""
    form = _period_form()
    if not form.validate():
        return _refused(form)
    period = Period(form.start.data, form.end.data)
    _record("viewed", period, "print")
    figures = report(db.session, period, purposes.label_of)
    return render_template("reports/annual.html", figures=figures, tables=TABLES, outcomes=OUTCOMES,
                           house_name=current_app.config.get("HOUSE_NAME") or "Treffpunkt")


@bp.get("/download")
@requires("report.view")
def download():
    """One table of the report, or the list of requests, as CSV or XLSX."""
    name = request.args.get("table", "bookings")
    kind = request.args.get("format", "csv")
    if name not in TITLES or kind not in FORMATS:
        abort(404)
    form = _period_form()
    if not form.validate():
        return _refused(form)
    period = Period(form.start.data, form.end.data)
    _record("exported", period, kind, name)
    if name == "bookings":
        found = export.Table(name, str(TITLES[name]), booking_headings(),
                             export.booking_rows(db.session, period, Words))
    else:
        found = table(report(db.session, period, purposes.label_of), name)
    filename = f"treffpunkt-{name}-{period.first.isoformat()}-{period.last.isoformat()}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if kind == "csv":
        # Made whole before it is sent (a year's list is a few megabytes): the words in it are
        # translated in this request, and the transaction ends with it.
        return Response("".join(export.csv_chunks(found)), content_type=FORMATS["csv"], headers=headers)
    return Response(export.xlsx_bytes([found]), content_type=FORMATS["xlsx"], headers=headers)


@bp.route("/purposes", methods=["GET", "POST"])
@requires("purpose.manage")
def purpose_list():
    """The house's purposes: add one; each can be renamed or taken off the request form."""
    form = PurposeForm(prefix="new")
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                added = purposes.add(db.session, form.name.data)
            except purposes.PurposeError as refusal:
                db.session.rollback()
                form.name.errors = [str(refusal.message)]
                status = 409
            else:
                db.session.commit()
                flash(_("The purpose %(name)s was added.", name=added.name), "success")
                return redirect(url_for("reports.purpose_list"), code=303)
        else:
            status = 422
    return _purposes_page(form, status)


def _purposes_page(new_form: PurposeForm, status: int = 200, edited: tuple[int, PurposeForm] | None = None):
    rows = []
    for p in purposes.all_purposes(db.session):
        if edited is not None and edited[0] == p.id:
            edit = edited[1]
        else:
            edit = PurposeForm(prefix=f"p{p.id}", formdata=None, data={"name": p.name, "active": p.active})
        rows.append((p, purposes.label(p), edit))
    return render_template("reports/purposes.html", form=new_form, rows=rows), status


@bp.post("/purposes/<int:purpose_id>")
@requires("purpose.manage")
def purpose_change(purpose_id: int):
    """Rename a purpose, or take it off (or back onto) the request form."""
    purpose = get_or_404(Purpose, purpose_id)
    form = PurposeForm(prefix=f"p{purpose.id}")
    if not form.validate():
        return _purposes_page(PurposeForm(prefix="new", formdata=None), 422, (purpose.id, form))
    try:
        purposes.change(db.session, purpose, form.name.data, form.active.data)
    except purposes.PurposeError as refusal:
        db.session.rollback()
        form.name.errors = [str(refusal.message)]
        return _purposes_page(PurposeForm(prefix="new", formdata=None), 409, (purpose_id, form))
    db.session.commit()
    flash(_("The purpose was saved."), "success")
    return redirect(url_for("reports.purpose_list"), code=303)
