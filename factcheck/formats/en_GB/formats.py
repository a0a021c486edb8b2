"""Date and time formats for the admin and forms: 24-hour times that name their zone.

The locale's own "10:59 p.m." named no zone while the app showed "22:59"; both now
read "22:59 UTC" (the zone is settings.TIME_ZONE).
"""

DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = "d/m/Y H:i T"
TIME_FORMAT = "H:i T"
