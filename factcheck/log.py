"""Logging filters: a refusal is one line in the server log, not a traceback.

Django logs a 403 from `PermissionDenied` as a warning with the exception's
traceback attached; a viewer opening a page their role cannot use is an
expected event, so the record keeps its message (with the reason given to
the person) and drops the traceback. Errors keep theirs.
"""

import logging

from django.core.exceptions import PermissionDenied


class RefusalOnOneLine(logging.Filter):
    """Strip the traceback from `django.request`'s record of a `PermissionDenied`."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, PermissionDenied):
            record.msg = f"{record.msg} ({error})" if str(error) else record.msg
            record.exc_info = None
            record.exc_text = None
        return True
