"""Reports for the house: what bookings are for (purposes), a period's figures with charts,
downloads as CSV and XLSX, and the annual report for funders.

The blueprint lives in views.py (web.init_app registers it), so that booking/models.py can
import this package's models without pulling in the views.
"""
