# 29 Nov 2026: day first, unambiguous across an international alliance.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
