"""The REST API: tokens made on their page, scopes, paging, version checks and problem details."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from factcheck import services
from factcheck.models import ApiToken, AuditEvent, Claim, VerificationStatus
from tests import factories

PROBLEM = "application/problem+json"


def make_token(user, scopes=("read",), days: int = 30) -> str:
    _, secret = services.token_create(
        actor=user,
        name=f"{'+'.join(scopes)} token",
        scopes=list(scopes),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    return secret


def api(secret: str | None = None) -> Client:
    headers = {"authorization": f"Bearer {secret}"} if secret else {}
    return Client(headers=headers)


def send(client: Client, method: str, path: str, body=None, **headers):
    call = getattr(client, method)
    if body is None:
        return call(path, headers=headers)
    return call(path, data=json.dumps(body), content_type="application/json", headers=headers)


# ---------------------------------------------------------------------------
# The API tokens page


@pytest.mark.django_db
def test_a_token_is_shown_once_stored_hashed_and_listed_by_its_prefix(client, reviewer):
    client.force_login(reviewer)

    made = client.post(
        "/account/tokens/", {"name": "CMS import", "access": "write", "lifetime": "30"}
    )

    assert made.status_code == 201
    assert "no-store" in made["Cache-Control"]
    token = ApiToken.objects.get(user=reviewer)
    secret = made.context["made"][1]
    assert secret.startswith(token.prefix + "_") and len(secret) > 40
    assert secret in made.content.decode()
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert token.scopes == ["read", "write"]
    assert "not be shown again" in made.content.decode()
    event = AuditEvent.objects.get(action="token.created")
    assert event.changes["prefix"] == [None, token.prefix]
    assert secret not in json.dumps(event.changes)

    page = client.get("/account/tokens/").content.decode()
    assert "CMS import" in page and f"{token.prefix}…" in page and secret not in page
    assert "never" in page  # not used yet


@pytest.mark.django_db
def test_a_token_without_a_name_is_refused_with_every_field_kept(client, reviewer):
    client.force_login(reviewer)

    refused = client.post("/account/tokens/", {"name": " ", "access": "sign_off", "lifetime": "90"})

    assert refused.status_code == 422
    assert refused.context["form"]["access"].value() == "sign_off"
    assert refused.context["form"]["lifetime"].value() == "90"
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_a_revoked_token_is_refused_with_401_and_says_so(client, reviewer):
    secret = make_token(reviewer)
    token = ApiToken.objects.get()
    assert api(secret).get("/api/v1/claims/").status_code == 200
    client.force_login(reviewer)

    client.post(f"/account/tokens/{token.pk}/revoke/")

    refused = api(secret).get("/api/v1/claims/")
    assert refused.status_code == 401
    assert refused["Content-Type"] == PROBLEM
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert "was revoked" in refused.json()["detail"]
    assert AuditEvent.objects.filter(action="token.revoked").count() == 1


@pytest.mark.django_db
def test_nobody_revokes_another_persons_token(client, reviewer, editor):
    make_token(reviewer)
    client.force_login(editor)

    assert client.post(f"/account/tokens/{ApiToken.objects.get().pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None


@pytest.mark.django_db
def test_an_expired_an_unknown_or_a_missing_token_gets_401(reviewer):
    secret = make_token(reviewer, days=1)
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    expired = api(secret).get("/api/v1/claims/")
    unknown = api("fcp_00000000_nothing").get("/api/v1/claims/")
    missing = api().get("/api/v1/claims/")

    assert [r.status_code for r in (expired, unknown, missing)] == [401, 401, 401]
    assert "expired" in expired.json()["detail"]
    assert unknown.json()["detail"] == "This is not a token of this workbench."
    assert missing["Content-Type"] == PROBLEM


@pytest.mark.django_db
def test_last_use_is_shown(reviewer):
    secret = make_token(reviewer)

    api(secret).get("/api/v1/claims/")

    assert ApiToken.objects.get().last_used_at is not None


# ---------------------------------------------------------------------------
# Scopes and roles


@pytest.mark.django_db
def test_a_read_token_cannot_write_whatever_its_owner_may(editor):
    claim = factories.make_claim()
    secret = make_token(editor, scopes=("read",))

    refused = send(
        api(secret),
        "post",
        f"/api/v1/claims/{claim.pk}/status/",
        {"status": "in_progress"},
        if_match=f'"{claim.version}"',
    )

    assert refused.status_code == 403
    assert "needs the “write” scope" in refused.json()["detail"]
    assert Claim.objects.get().status == VerificationStatus.UNVERIFIED


@pytest.mark.django_db
def test_a_write_token_cannot_sign_off(editor, reviewer):
    claim = factories.make_claim()
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    claim.refresh_from_db()
    secret = make_token(editor, scopes=("write",))

    refused = send(
        api(secret), "post", f"/api/v1/claims/{claim.pk}/sign-off/", {}, if_match=str(claim.version)
    )

    assert refused.status_code == 403
    assert "sign_off" in refused.json()["detail"]


@pytest.mark.django_db
def test_a_token_never_does_more_than_its_owners_role(viewer):
    claim = factories.make_claim()
    secret = make_token(viewer, scopes=("write",))

    refused = send(
        api(secret),
        "post",
        f"/api/v1/claims/{claim.pk}/status/",
        {"status": "in_progress"},
        if_match=str(claim.version),
    )

    assert refused.status_code == 403
    assert refused.json()["detail"] == "You do not have permission to do this."
    assert Claim.objects.get().status == VerificationStatus.UNVERIFIED


@pytest.mark.django_db
def test_an_account_without_a_role_is_told(client):
    nobody = factories.make_user(None)
    secret = make_token(nobody)

    refused = api(secret).get("/api/v1/claims/")

    assert refused.status_code == 403
    assert "no role" in refused.json()["detail"]


# ---------------------------------------------------------------------------
# Writes: version checks, the services' refusals, the audit


@pytest.mark.django_db
def test_a_status_change_names_the_version_it_read(reviewer):
    claim = factories.make_claim()
    secret = make_token(reviewer, scopes=("write",))
    path = f"/api/v1/claims/{claim.pk}/status/"

    missing = send(api(secret), "post", path, {"status": "in_progress"})
    changed = send(
        api(secret), "post", path, {"status": "in_progress"}, if_match=f'"{claim.version}"'
    )
    stale = send(api(secret), "post", path, {"status": "unverified"}, if_match=f'"{claim.version}"')

    assert missing.status_code == 428 and "If-Match" in missing.json()["detail"]
    assert changed.status_code == 200
    assert changed.json()["status"] == "in_progress"
    assert changed["ETag"] == f'"{claim.version + 1}"'
    assert stale.status_code == 412
    assert stale["Content-Type"] == PROBLEM
    assert stale.json()["current"]["status"] == "in_progress"
    assert stale.json()["current"]["version"] == claim.version + 1
    assert Claim.objects.get().status == "in_progress"
    event = AuditEvent.objects.filter(action="claim.status_changed").get()
    assert event.actor_name == reviewer.username


@pytest.mark.django_db
def test_a_refusal_carries_the_services_message_and_field_and_changes_nothing(reviewer):
    claim = factories.make_claim()
    secret = make_token(reviewer, scopes=("write",))
    before = AuditEvent.objects.count()

    # The workflow's order: the service says so, as the panel does.
    refused = send(
        api(secret),
        "post",
        f"/api/v1/claims/{claim.pk}/status/",
        {"status": "false"},
        if_match=str(claim.version),
    )

    assert refused.status_code == 400
    assert refused["Content-Type"] == PROBLEM
    body = refused.json()
    assert body["status"] == 400 and body["title"] == "Bad Request"
    assert body["detail"] == "A claim cannot go from unverified to false."
    assert AuditEvent.objects.count() == before
    assert Claim.objects.get().status == VerificationStatus.UNVERIFIED


@pytest.mark.django_db
def test_an_unknown_status_names_the_field(reviewer):
    claim = factories.make_claim()
    secret = make_token(reviewer, scopes=("write",))

    refused = send(
        api(secret),
        "post",
        f"/api/v1/claims/{claim.pk}/status/",
        {"status": "fabulous"},
        if_match=str(claim.version),
    )

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "status"
    assert refused.json()["detail"].startswith("status: ")


@pytest.mark.django_db
def test_an_article_is_imported_and_its_suggestions_requested(editor):
    secret = make_token(editor, scopes=("write",))
    text = "Port Ellery\n\nThe harbour authority said the port would reopen on Friday."

    made = send(api(secret), "post", "/api/v1/articles/", {"title": "Port", "text": text})
    again = send(api(secret), "post", "/api/v1/articles/", {"title": "Port", "text": text})

    assert made.status_code == 201
    article_id = made.json()["id"]
    assert made["Location"] == f"/api/v1/articles/{article_id}/"
    assert made.json()["text"] == text
    assert AuditEvent.objects.filter(action="article.created").count() == 1
    assert again.status_code == 409
    assert again.json()["existing"].endswith(f"/api/v1/articles/{article_id}/")


@pytest.mark.django_db
def test_a_reviewer_cannot_delete_an_article_an_editor_can(reviewer, editor):
    article = factories.make_article()

    refused = send(
        api(make_token(reviewer, ("write",))), "delete", f"/api/v1/articles/{article.pk}/"
    )
    done = send(api(make_token(editor, ("write",))), "delete", f"/api/v1/articles/{article.pk}/")

    assert refused.status_code == 403
    assert done.status_code == 204


# ---------------------------------------------------------------------------
# Reads: paging said in every answer, filters as the queue's


@pytest.mark.django_db
def test_lists_page_by_cursor_and_say_their_page_size(reviewer):
    article = factories.make_article(
        text="Title\n\n" + " ".join(f"Claim number {n} is here." for n in range(5))
    )
    for n in range(5):
        factories.make_claim(article=article, phrase=f"Claim number {n} is here")
    client = api(make_token(reviewer))

    first = client.get("/api/v1/claims/?page_size=2").json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    assert first["page_size"] == 2 and first["max_page_size"] == 200
    assert first["previous"] is None
    ids = [c["id"] for page in (first, second, third) for c in page["results"]]
    assert sorted(ids) == sorted(Claim.objects.values_list("id", flat=True))
    assert len(set(ids)) == 5
    assert third["next"] is None


@pytest.mark.django_db
def test_a_page_size_past_the_maximum_is_refused_never_cut(reviewer):
    client = api(make_token(reviewer))

    for value in ("201", "0", "-1", "ten", "1e3", "²"):
        refused = client.get(f"/api/v1/claims/?page_size={value}")
        assert refused.status_code == 400, value
        assert "from 1 to 200" in refused.json()["detail"]


@pytest.mark.django_db
def test_a_forged_cursor_or_a_bad_filter_is_refused(reviewer):
    client = api(make_token(reviewer))

    forged = client.get("/api/v1/claims/?after=WzEsMl0")
    bad = client.get("/api/v1/claims/?status=fabulous")

    assert forged.status_code == 400 and forged["Content-Type"] == PROBLEM
    assert bad.status_code == 400 and "Status" in bad.json()["detail"]


@pytest.mark.django_db
def test_the_list_filters_as_the_queue_does(reviewer):
    one = factories.make_claim()
    factories.make_claim()
    services.claim_set_status(actor=reviewer, claim=one, status="in_progress")
    client = api(make_token(reviewer))

    listed = client.get("/api/v1/claims/?status=in_progress").json()["results"]

    assert [c["id"] for c in listed] == [one.pk]


# ---------------------------------------------------------------------------
# The schema


@pytest.mark.django_db
def test_the_schema_describes_every_endpoint(client):
    schema = client.get("/api/schema/?format=json")

    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/claims/{claim_id}/status/" in document["paths"]
    assert "/api/v1/articles/" in document["paths"]


@pytest.mark.django_db
def test_the_history_says_a_change_came_through_the_api_and_which_token(client, reviewer):
    from factcheck import audit
    from factcheck.history import summary_of

    claim = factories.make_claim()
    secret = make_token(reviewer, scopes=("write",))
    prefix = ApiToken.objects.get().prefix

    send(
        api(secret),
        "post",
        f"/api/v1/claims/{claim.pk}/status/",
        {"status": "in_progress"},
        if_match=str(claim.version),
    )
    client.force_login(reviewer)
    client.post(f"/claims/{claim.pk}/rationale/", {"rationale": "From the page.", "version": 2})

    event = AuditEvent.objects.get(action="claim.status_changed")
    assert event.via == f"API token {prefix}"
    assert summary_of(event).endswith(f"(through the API token {prefix})")
    assert AuditEvent.objects.exclude(pk=event.pk).filter(via="").exists()
    assert all(isinstance(step, int) for step in audit.verify_chain())


@pytest.mark.django_db
def test_the_schema_readers_load_nothing_from_another_origin_and_run_no_inline_script(client):
    docs = client.get("/api/docs/")
    start_up = client.get("/api/docs/?script=")
    redoc = client.get("/api/redoc/")

    for page in (docs, redoc):
        body = page.content.decode()
        assert page.status_code == 200
        assert "https://" not in body and "<script>" not in body
        assert "script-src 'self'" in page["Content-Security-Policy"]
    assert start_up.status_code == 200
    assert "SwaggerUIBundle" in start_up.content.decode()


@pytest.mark.django_db
def test_past_its_rate_a_token_is_answered_429_with_retry_after(reviewer, settings):
    from django.core.cache import cache

    cache.clear()
    settings.FACTCHECK_API_RATE = "3/minute"
    client = api(make_token(reviewer))
    other = api(make_token(reviewer))

    answers = [client.get("/api/v1/claims/").status_code for _ in range(4)]
    refused = client.get("/api/v1/claims/")

    assert answers == [200, 200, 200, 429]
    assert refused["Content-Type"] == PROBLEM
    assert 0 < int(refused["Retry-After"]) <= 60
    assert other.get("/api/v1/claims/").status_code == 200  # each token its own count


@pytest.mark.django_db
def test_a_claim_is_marked_by_offsets_only_where_the_text_says_so(reviewer):
    article = factories.make_article(text="Title\n\nThe mayor said the bridge would close.")
    client = api(make_token(reviewer, ("write",)))
    start = article.text.index("the bridge")

    wrong = send(
        client,
        "post",
        f"/api/v1/articles/{article.pk}/claims/",
        {"start": start, "end": start + 10, "text": "the tunnel"},
    )
    made = send(
        client,
        "post",
        f"/api/v1/articles/{article.pk}/claims/",
        {"start": start, "end": start + 10, "text": "the bridge"},
    )

    assert wrong.status_code == 400 and wrong["Content-Type"] == PROBLEM
    assert made.status_code == 201
    assert Claim.objects.get().text == "the bridge"


@pytest.mark.django_db
def test_a_form_body_is_refused_for_json(reviewer):
    claim = factories.make_claim()
    client = api(make_token(reviewer, ("write",)))

    refused = client.post(
        f"/api/v1/claims/{claim.pk}/status/",
        {"status": "in_progress"},
        headers={"if-match": str(claim.version)},
    )

    assert refused.status_code == 415
    assert "JSON" in refused.json()["detail"]
    assert Claim.objects.get().status == VerificationStatus.UNVERIFIED


@pytest.mark.django_db
def test_an_address_under_the_api_that_matches_nothing_is_a_problem(reviewer):
    client = api(make_token(reviewer))

    for path in ("/api/v1/claims/abc/", "/api/v1/claims/%0A/evidence/", "/api/nothing"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer["Content-Type"] == PROBLEM, path


@pytest.mark.django_db
def test_a_page_of_claims_costs_the_same_queries_whatever_its_size(reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(make_token(reviewer))
    via = factories.make_source("Wire", type_slug="news_agency")

    def add_claims(count):
        for _ in range(count):
            claim = factories.make_claim()
            services.attribution_add(
                actor=None, claim=claim, source=factories.make_source(), intermediary=via
            )
            services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")

    add_claims(2)
    client.get("/api/v1/claims/")  # the token's first use is written down once
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/claims/")
    add_claims(8)
    with CaptureQueriesContext(connection) as more:
        client.get("/api/v1/claims/")

    assert len(more) == len(few)


@pytest.mark.django_db
def test_attributions_are_added_changed_and_removed_naming_the_claims_version(reviewer):
    article = factories.make_article(text="Title\n\nThe ministry said the port would reopen.")
    claim = factories.make_claim(article=article, phrase="the port would reopen")
    source = factories.make_source("Port Ministry")
    client = api(make_token(reviewer, ("write",)))

    added = send(
        client,
        "post",
        f"/api/v1/claims/{claim.pk}/attributions/",
        {"source": source.pk, "cue": "said", "quote_mode": "paraphrase"},
        if_match=str(claim.version),
    )
    attribution = added.json()["attributions"][0]
    stale = send(
        client,
        "patch",
        f"/api/v1/attributions/{attribution['id']}/",
        {"cue": "told"},
        if_match=str(claim.version),
    )
    changed = send(
        client,
        "patch",
        f"/api/v1/attributions/{attribution['id']}/",
        {"cue": "told"},
        if_match=added["ETag"],
    )
    removed = send(
        client, "delete", f"/api/v1/attributions/{attribution['id']}/", if_match=changed["ETag"]
    )

    assert added.status_code == 201 and attribution["source"]["name"] == "Port Ministry"
    assert stale.status_code == 412
    assert changed.json()["attributions"][0]["cue"] == "told"
    assert removed.status_code == 200 and removed.json()["attributions"] == []
    actions = list(
        AuditEvent.objects.filter(via__startswith="API token")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["attribution.added", "attribution.changed", "attribution.removed"]


@pytest.mark.django_db
def test_insights_and_the_claims_csv_take_the_queues_filters(viewer, reviewer):
    one = factories.make_claim()
    factories.make_claim()
    services.claim_set_status(actor=reviewer, claim=one, status="in_progress")
    client = api(make_token(viewer))

    everything = client.get("/api/v1/insights/").json()
    narrowed = client.get("/api/v1/insights/?status=in_progress").json()
    csv_answer = client.get("/api/v1/exports/claims.csv?status=in_progress")
    refused = client.get("/api/v1/insights/?status=fabulous")

    assert everything["counts"]["claims"] == 2 and narrowed["counts"]["claims"] == 1
    assert "types" in everything["figures"] and everything["figures"]["types"]["rows"][0]
    body = b"".join(csv_answer.streaming_content).decode("utf-8")
    assert csv_answer["Content-Type"].startswith("text/csv")
    assert body.splitlines()[0].startswith("article_id,") and len(body.splitlines()) == 2
    assert refused.status_code == 400 and refused["Content-Type"] == PROBLEM
    assert AuditEvent.objects.filter(action="export.claims", via__startswith="API").exists()
