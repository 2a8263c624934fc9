"""Forms shared by several areas."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A button-only POST (approve, withdraw, log out) that still carries a CSRF token."""
