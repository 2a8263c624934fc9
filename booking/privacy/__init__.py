"""Data protection: what the house holds about a person or a group (registry.py), the download
of it (export.py), erasing it (erase.py), the nightly clean-up (retention.py) and the pages."""

# The account that erased people's bookings and history point to (booking/privacy/erase.py).
PLACEHOLDER_EMAIL = "geloescht@treffpunkt.invalid"
