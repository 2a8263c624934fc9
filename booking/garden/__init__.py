"""The garden season round: a season with an application window, allocation, a waiting list.

The blueprint lives in views.py (imported by web.py), so that importing the models, as
booking/models.py and the record of changes do, pulls in no views.
"""
