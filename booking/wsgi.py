"""The application for a WSGI server: `gunicorn booking.wsgi:app` (the shipped gunicorn.conf.py
names it). A wrong setting stops gunicorn with its one line instead of a restart loop."""

from . import create_app
from .operations.settings import ConfigurationError

try:
    app = create_app()
except ConfigurationError as error:
    try:
        from gunicorn.errors import AppImportError
    except ImportError:  # another server: the plain SystemExit says the same
        raise error from None
    # gunicorn prints this error's text alone and stops every worker ("App failed to load").
    raise AppImportError(str(error)) from None
