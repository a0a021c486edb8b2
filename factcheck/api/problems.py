"""Errors as problem details (RFC 9457): a title, the status, the service's own message."""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from factcheck.services import Busy, Conflict, DomainError, NotAllowed

PROBLEM_TYPE = "application/problem+json"


def problem(status_code: int, detail: str, **extra) -> Response:
    """A problem details answer: `detail` is the message a person reads."""
    try:
        title = HTTPStatus(status_code).phrase
    except ValueError:
        title = "Error"
    body = {"type": "about:blank", "title": title, "status": status_code, "detail": detail}
    return Response({**body, **extra}, status=status_code, content_type=PROBLEM_TYPE)


def _field_errors(data) -> list[dict]:
    """DRF's {field: [messages]} as a list of {field, detail}, the first message first."""
    errors = []
    if isinstance(data, dict):
        for field, messages in data.items():
            for message in messages if isinstance(messages, list) else [messages]:
                if isinstance(message, dict):
                    for inner in _field_errors(message):
                        errors.append({**inner, "field": f"{field}.{inner['field']}"})
                else:
                    errors.append({"field": field, "detail": str(message)})
    elif isinstance(data, list):
        errors.extend({"field": None, "detail": str(message)} for message in data)
    return errors


def handle(exc, context):
    """The exception handler of the API (REST_FRAMEWORK's EXCEPTION_HANDLER)."""
    if isinstance(exc, Conflict):
        from factcheck.api.serializers import ClaimSerializer

        request = context.get("request")
        current = ClaimSerializer(exc.current, context={"request": request}).data
        return problem(412, exc.message, current=current)
    if isinstance(exc, NotAllowed):
        return problem(403, exc.message)
    if isinstance(exc, DomainError):
        extra = {"field": exc.field} if exc.field else {}
        return problem(400, exc.message, **extra)
    if isinstance(exc, Busy):
        response = problem(503, exc.message)
        response["Retry-After"] = "1"
        return response
    if isinstance(exc, Http404):
        return problem(404, "Not found: there is no such object, or it is not yours to see.")
    if isinstance(exc, PermissionDenied):
        return problem(403, "You do not have permission to do this.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After")}
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        first = errors[0] if errors else {"field": None, "detail": "The request is not valid."}
        label = f"{first['field']}: " if first.get("field") else ""
        answer = problem(400, f"{label}{first['detail']}", errors=errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        answer = problem(response.status_code, str(detail))
    for name, value in headers.items():
        answer[name] = value
    return answer
