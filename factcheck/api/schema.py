"""What the OpenAPI schema says of every operation beyond its own answer: the problems it may
answer with (RFC 9457), so that a client and a schema checker know each status and its body."""

PROBLEM = {
    "type": "object",
    "description": "Problem details (RFC 9457); `detail` is the message a reviewer would read.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "detail": {"type": "string"},
                },
            },
        },
        "current": {"type": "object", "description": "The claim as it now stands (412)."},
        "existing": {"type": "string", "description": "The article already imported (409)."},
    },
    "required": ["type", "title", "status", "detail"],
}
# Every operation may meet these; writes meet the rest.
ALWAYS = {
    "400": "The request was refused: `detail` says why, `errors` names each field.",
    "401": "No usable token or session: missing, unknown, expired or revoked.",
    "403": "The role, or the token's scopes, do not allow this.",
    "404": "No such object.",
    "429": "Past the token's rate: wait `Retry-After` seconds.",
}
WRITES = {
    "409": "Conflicts with what exists (the same text imported before).",
    "412": "The claim changed since the version named in If-Match; `current` is it now.",
    "415": "The body is not JSON.",
    "428": "Name the claim's version in If-Match.",
    "503": "The database stayed busy; nothing was saved: try again after `Retry-After`.",
}


def add_problem_responses(result, generator, request, public):
    """drf-spectacular's postprocessing hook: the problem answers of every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM
    reference = {"$ref": "#/components/schemas/Problem"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            answers = dict(ALWAYS)
            if method in ("post", "put", "patch", "delete"):
                answers |= WRITES
            responses = operation.setdefault("responses", {})
            for status, description in answers.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": reference}},
                    },
                )
    return result
