"""Calendars: the week and the month of the house, free times, and iCalendar feeds.

The blueprint lives in views.py (web.init_app registers it), so that booking/models.py can
import this package's models without pulling in the views.
"""
