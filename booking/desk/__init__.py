"""The front desk: walk-in bookings, check-in, keys and equipment out and back.

The blueprint lives in views.py (web.init_app registers it, with views_keys.py's routes), so
that booking/models.py can import this package's models without pulling in the views.
"""
