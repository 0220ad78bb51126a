"""How dates read on every page, per language (``FORMAT_MODULE_PATH``).

Templates write ``|date`` for a day and ``|date:"DATETIME_FORMAT"`` for a moment, never a
format of their own, so that every page shows a date the same way.
"""
