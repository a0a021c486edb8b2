"""Generated requests over the whole API schema, against a live server: no 5xx, every answer
as the schema says, and a refusal changes no row."""

import datetime

import httpx
import pytest
import schemathesis
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis import checks

from factcheck import services
from tests import factories
from tests.test_url_access import row_counts

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
# The schema as the server makes it (compared with what it serves below).
DOCUMENT = SchemaGenerator().get_schema(request=None, public=True)
schema = schemathesis.openapi.from_dict(DOCUMENT)


@pytest.fixture
def secret(transactional_db):
    """One of everything to find, and an editor's sign-off token to act with."""
    editor = factories.make_user("Editor", username="generated")
    claim = factories.make_claim()
    services.attribution_add(actor=None, claim=claim, source=factories.make_source("Port Office"))
    return services.token_create(
        actor=editor,
        name="generated",
        scopes=["sign_off"],
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )[1]


def test_the_schema_served_is_the_one_generated(live_server):
    served = httpx.get(f"{live_server.url}/api/schema/?format=json").json()

    assert served["paths"].keys() == DOCUMENT["paths"].keys()


@schema.parametrize()
@settings(
    derandomize=True,
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_meet_the_schema_and_refusals_change_nothing(case, live_server, secret):
    before = row_counts()

    response = case.call(base_url=live_server.url, headers={"Authorization": f"Bearer {secret}"})
    case.validate_response(response, checks=CHECKS)

    if response.status_code >= 400:
        assert row_counts() == before, f"{case.method} {case.formatted_path}: {response.text}"
