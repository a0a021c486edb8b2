"""Every URL of the URL configuration, for every kind of visitor, answers as that visitor should.

The URLs are collected from `get_resolver()`, so a view added later is walked
too; the app's own views must each be declared in `APP_VIEWS` with the method
and permission they need, or the walk fails. Path parameters are filled with
the ids of real objects. Empty POST bodies are sent: a permitted write then
answers 400 or 422, a refused one 403, and neither writes anything.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from factcheck import services
from factcheck.models import Article, SuggestionRun
from factcheck.services.suggestions import ProposedSuggestion
from tests import factories

ROLES = ["anonymous", "no-role", "Viewer", "Reviewer", "Editor", "staff"]
NO_ROLE_PAGE = "You have no role yet"

GET, POST = "GET", "POST"
# Each view of the app: the methods it answers, and the permission it needs
# (None: any role may). A view missing here fails the walk, on purpose.
APP_VIEWS: dict[str, tuple[set[str], str | None]] = {
    "home": ({GET}, None),
    "review": ({GET}, None),
    "article_sourcing": ({GET}, None),
    "claim_detail": ({GET}, None),
    "source_search": ({GET}, None),
    "queue": ({GET}, None),
    "activity": ({GET}, None),
    "export_claims": ({GET}, "export_claim"),
    "export_audit": ({GET}, "export_claim"),
    "claim_reviews_jsonld": ({GET}, "export_claim"),
    "claim_review_jsonld": ({GET}, "export_claim"),
    "article_import": ({GET, POST}, "add_article"),
    "claim_create": ({POST}, "add_claim"),
    "claim_status": ({POST}, "change_claim"),
    "claim_rationale": ({POST}, "change_claim"),
    "claim_span": ({POST}, "change_claim"),
    "claim_assign": ({POST}, "change_claim"),
    "claim_delete": ({POST}, "delete_claim"),
    "claim_undo": ({POST}, "change_claim"),
    "claim_redo": ({POST}, "change_claim"),
    "claim_sign_off": ({POST}, "sign_off_claim"),
    "claim_reopen": ({POST}, "reopen_claim"),
    "attribution_add": ({POST}, "add_attribution"),
    "attribution_edit": ({POST}, "change_attribution"),
    "attribution_remove": ({POST}, "delete_attribution"),
    "evidence_add": ({POST}, "add_evidencelink"),
    "evidence_remove": ({POST}, "delete_evidencelink"),
    "note_add": ({POST}, "add_note"),
    "queue_bulk": ({POST}, "change_claim"),
    "suggestion_detail": ({GET}, None),
    "suggestions_state": ({GET}, None),
    "suggestion_accept": ({POST}, "add_claim"),
    "suggestion_reject": ({POST}, "add_claim"),
    "suggestions_accept_above": ({POST}, "add_claim"),
    "suggestions_request": ({POST}, "add_claim"),
    "sources": ({GET}, None),
    "source_detail": ({GET}, None),
    "source_types": ({GET}, None),
    "source_edit": ({GET, POST}, "change_source"),
    "source_merge": ({GET, POST}, "merge_source"),
    "source_delete": ({GET, POST}, "delete_source"),
    "source_type_add": ({POST}, "add_sourcetype"),
    "source_type_change": ({POST}, "change_sourcetype"),
    "source_type_delete": ({POST}, "delete_sourcetype"),
    "article_delete": ({GET, POST}, "delete_article"),
    "article_edit": ({GET, POST}, "change_article"),
    "insights": ({GET}, None),
    "insights_csv": ({GET}, None),
    "claim_publish": ({POST}, "sign_off_claim"),
    "claim_unpublish": ({POST}, "sign_off_claim"),
    "webhook_list": ({GET, POST}, "sign_off_claim"),
    "webhook_detail": ({GET, POST}, "sign_off_claim"),
    "webhook_test": ({POST}, "sign_off_claim"),
    "webhook_toggle": ({POST}, "sign_off_claim"),
    "webhook_delete": ({POST}, "sign_off_claim"),
    "api_tokens": ({GET, POST}, None),
    "api_token_revoke": ({POST}, None),
}
# What a permitted empty POST meets where it is not refused for its emptiness.
POST_ANSWERS = {
    # The world's token is another person's: nobody finds it to revoke.
    "api_token_revoke": {404},
}
# The REST API (namespace "api"): methods, and the permission each method needs. It answers
# 401 rather than sending to the login page, and problem details rather than pages.
API_VIEWS: dict[str, tuple[set[str], dict[str, str]]] = {
    "article_list": ({GET, POST}, {POST: "add_article"}),
    "article_detail": ({GET, "DELETE"}, {"DELETE": "delete_article"}),
    "article_claims": ({POST}, {POST: "add_claim"}),
    "article_suggestions": ({GET}, {}),
    "suggestions_accept_above": ({POST}, {POST: "add_claim"}),
    "suggestion_runs": ({GET, POST}, {POST: "add_claim"}),
    "claim_list": ({GET}, {}),
    "claim_detail": ({GET, "PATCH"}, {"PATCH": "change_claim"}),
    "claim_status": ({POST}, {POST: "change_claim"}),
    "claim_sign_off": ({POST}, {POST: "sign_off_claim"}),
    "claim_reopen": ({POST}, {POST: "reopen_claim"}),
    "claim_evidence": ({POST}, {POST: "add_evidencelink"}),
    "claim_notes": ({POST}, {POST: "add_note"}),
    "claim_undo": ({POST}, {POST: "change_claim"}),
    "claim_history": ({GET}, {}),
    "claim_publish": ({POST}, {POST: "sign_off_claim"}),
    "claim_unpublish": ({POST}, {POST: "sign_off_claim"}),
    "published_list": ({GET}, {}),
    "insights": ({GET}, {}),
    "claims_csv": ({GET}, {GET: "export_claim"}),
    "claim_attributions": ({POST}, {POST: "add_attribution"}),
    "attribution_detail": (
        {"PATCH", "DELETE"},
        {"PATCH": "change_attribution", "DELETE": "delete_attribution"},
    ),
    "claim_claimreview": ({GET}, {GET: "export_claim"}),
    "suggestion_accept": ({POST}, {POST: "add_claim"}),
    "suggestion_reject": ({POST}, {POST: "add_claim"}),
    "source_list": ({GET}, {}),
    "source_detail": ({GET}, {}),
}
# Writes that need the sign-off scope on a token, whatever the owner's role.
SIGN_OFF_ROUTES = {"claim_sign_off", "claim_reopen", "claim_publish", "claim_unpublish"}
# The API's schema and its two readers, open to anyone: they hold no data.
API_OPEN = {"schema", "docs", "redoc"}
# Any other address under /api/: a problem, for anyone.
API_NOT_FOUND = "not_found"
# Open to anyone, and logging out.
ACCOUNT_VIEWS = {"login", "logout"}
# Published fact-checks, for the public: the world's claim is signed off, not published.
PUBLIC_VIEWS = {
    "published_list": {200},
    "published_claim": {404},
    "published_feed_json": {200},
    "published_feed_atom": {200},
}


@dataclass(frozen=True)
class Route:
    route: str
    namespace: str | None
    name: str | None
    public: bool


def routes(patterns=None, prefix: str = "", namespace: str | None = None) -> Iterator[Route]:
    """Every URL pattern of the URL configuration, with its full route."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                pattern.namespace or namespace,
            )
        elif isinstance(pattern, URLPattern):
            yield Route(
                route=prefix + str(pattern.pattern),
                namespace=namespace,
                name=pattern.name,
                public=not getattr(pattern.callback, "login_required", True),
            )


@dataclass
class World:
    ids: dict[str, int]
    secrets: list[str]


@pytest.fixture
def world(db) -> World:
    """One of everything, with words that must not reach a visitor without a role."""
    proposer = factories.make_user("Reviewer", username="proposer")
    signer = factories.make_user("Editor", username="signer")
    article = factories.make_article(
        title="Zebra crossing budget",
        text="Zebra crossing budget\n\nThe mayor said the zebra budget doubled. More text.",
    )
    claim = factories.make_claim(article=article, phrase="The mayor said the zebra budget doubled")
    source = factories.make_source("Quokka Institute")
    attribution = services.attribution_add(actor=None, claim=claim, source=source)
    services.claim_update(actor=None, claim=claim, rationale="Budget papers say so.")
    link = services.evidence_add(actor=None, claim=claim, url="https://example.org/budget")
    services.note_add(actor=proposer, claim=claim, body="Narwhal note")
    services.claim_set_status(actor=proposer, claim=claim, status="in_progress")
    services.claim_set_status(actor=proposer, claim=claim, status="verified")
    services.verdict_sign_off(actor=signer, claim=claim)
    run = SuggestionRun.objects.create(article=article)
    start = article.text.index("More text.")
    proposal = ProposedSuggestion(
        claim_start=start,
        claim_end=start + 10,
        claim_text="More text.",
        source_type_slug="unattributed",
        confidence=0.9,
    )
    suggestion = services.suggestion_run_record(run=run, proposals=[proposal]).stored[0]
    return World(
        ids={
            "article_id": article.pk,
            "claim_id": claim.pk,
            "attribution_id": attribution.pk,
            "link_id": link.pk,
            "suggestion_id": suggestion.pk,
            "source_id": source.pk,
            "type_id": source.source_type_id,
            "content_type_id": ContentType.objects.get_for_model(Article).pk,
            "id": proposer.pk,
            "app_label": "factcheck",
            "url": "no-such-page/",
            "rest": "v1/no-such-thing/",
            "figure": "types",
            "subscription_id": services.webhook_subscribe(
                actor=None,
                url="http://127.0.0.1:9/never",
                events=["claim.created"],
                secret="whsec_" + "A" * 32,
            ).pk,
            "token_id": services.token_create(
                actor=proposer,
                name="Walk",
                scopes=["read"],
                expires_at=timezone.now() + datetime.timedelta(days=1),
            )[0].pk,
        },
        secrets=["Zebra crossing", "zebra budget", "Quokka", "Narwhal"],
    )


def url_of(route: Route, world: World) -> str:
    """Fill the route's parameters with ids of real objects."""
    values = dict(world.ids, object_id=world.ids["article_id"])
    admin_of_model = re.match(r"admin/(\w+)/(\w+)/<path:object_id>", route.route)
    if admin_of_model:
        model = apps.get_model(*admin_of_model.groups())
        first = model._default_manager.order_by("pk").first()
        values["object_id"] = first.pk if first is not None else 1
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m[1]]), route.route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m[1]]), path)
    return "/" + path.replace("^", "").replace("$", "")


def user_for(role: str) -> User | None:
    if role == "anonymous":
        return None
    if role == "staff":
        return User.objects.create_superuser("staff", password="pw-for-tests-123")
    return factories.make_user(None if role == "no-role" else role, username=f"the-{role}")


def row_counts() -> tuple[int, ...]:
    """The number of rows in every factcheck table, the audit table among them, in one query."""
    tables = [model._meta.db_table for model in apps.get_app_config("factcheck").get_models()]
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return tuple(cursor.fetchone())


def send(client: Client, user: User | None, method: str, url: str):
    response = client.get(url) if method == GET else client.post(url, {})
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode("utf-8", "replace")
    return response, body


def expected(role: str, user: User | None, route: Route, method: str) -> set[int] | str:
    """The status codes the visitor may meet, or "login" for a redirect to a login page."""
    if route.namespace == "api":
        return expected_of_api(role, user, route, method)
    if route.name in PUBLIC_VIEWS:
        return PUBLIC_VIEWS[route.name] if method == GET else {405}
    if route.public:
        # A login page: shown to whoever is not in yet, or sends on who is.
        if method == POST:
            return {200, 302}
        signed_in = user is not None and (user.is_staff or route.namespace is None)
        return {302} if signed_in else {200}
    if role == "anonymous":
        return "login"
    if route.name == "logout":
        return {302, 405} if method == GET else {200, 302}
    if role == "no-role":
        return {403}
    if route.namespace == "admin":
        # Staff: the admin answers, whatever the page, without a server error.
        return {200, 302, 403, 404, 405} if user.is_staff else "login"
    methods, permission = APP_VIEWS[route.name]
    if method not in methods:
        return {405}
    if permission and not user.has_perm(f"factcheck.{permission}"):
        return {403}
    if method == POST:
        return POST_ANSWERS.get(route.name, {400, 422})
    return {200}


def expected_of_api(role: str, user: User | None, route: Route, method: str) -> set[int]:
    if route.name in API_OPEN:
        return {200} if method == GET else {405}
    if route.name == API_NOT_FOUND:
        return {404}
    if role == "anonymous":
        return {401}
    if role == "no-role":
        return {403}
    methods, permissions = API_VIEWS[route.name]
    permission = permissions.get(method)
    if permission and not user.has_perm(f"factcheck.{permission}"):
        return {403}
    if method not in methods:
        return {405}
    if method == POST:
        # An empty form body: not JSON (415), or missing fields (400), or no If-Match (428).
        return {400, 415, 428}
    return {200}


def test_every_view_of_the_app_is_declared(db):
    names = {route.name for route in routes() if route.namespace is None}
    api_names = {route.name for route in routes() if route.namespace == "api"}

    assert names == set(APP_VIEWS) | ACCOUNT_VIEWS | set(PUBLIC_VIEWS)
    assert api_names == set(API_VIEWS) | API_OPEN | {API_NOT_FOUND}


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_visitor_as_it_should(client, world, role):
    user = user_for(role)
    wrong = []

    for route in routes():
        for method in (GET, POST):
            if user is not None and "_auth_user_id" not in client.session:
                # A POST to a logout URL ended the session.
                client.force_login(user)
            url = url_of(route, world)
            before = row_counts()
            response, body = send(client, user, method, url)
            want = expected(role, user, route, method)
            status = response.status_code
            if want == "login":
                location = response.headers.get("Location", "")
                ok = status == 302 and location.startswith(("/login/", "/admin/login/"))
            else:
                ok = status in want
            if ok and role == "no-role":
                told = "no role" in body if route.namespace == "api" else NO_ROLE_PAGE in body
                ok = (status != 403 or told) and not any(secret in body for secret in world.secrets)
            if ok and (method == POST or status >= 300):
                ok = row_counts() == before
            if not ok:
                wrong.append(f"{method} {url}: {status}, expected {want}")

    assert wrong == []


def test_a_reader_sees_the_data_the_no_role_user_is_refused(client, world):
    client.force_login(factories.make_user("Viewer"))

    response = client.get(f"/articles/{world.ids['article_id']}/")

    assert response.status_code == 200
    assert "Zebra crossing" in response.content.decode()


def test_a_fragment_for_someone_without_a_role_is_the_notice_alone(client, world):
    client.force_login(factories.make_user(None))

    response = client.get(f"/claims/{world.ids['claim_id']}/", HTTP_HX_REQUEST="true")

    assert response.status_code == 403
    assert NO_ROLE_PAGE in response.content.decode()
    assert "<html" not in response.content.decode()


def test_the_no_role_page_says_whom_to_ask(client, world):
    User.objects.create_superuser("chief", email="chief@example.org", password="pw-123-xyz")
    client.force_login(factories.make_user(None))

    response = client.get("/")

    assert response.status_code == 403
    assert "chief@example.org" in response.content.decode()


def test_staff_without_a_role_group_keep_working(client, world):
    client.force_login(factories.make_user(None, is_staff=True))

    response = client.get("/claims/")

    assert response.status_code == 200
    assert "zebra budget" in response.content.decode()


TOKENS = ["read", "write", "sign_off", "expired", "revoked"]


@pytest.mark.parametrize("kind", TOKENS)
def test_every_api_route_answers_each_token_as_it_should(world, kind):
    """An editor's token: its scopes narrow what the editor may do through it."""
    editor = factories.make_user("Editor", username="token-editor")
    scopes = [kind] if kind in ("read", "write", "sign_off") else ["sign_off"]
    token, secret = services.token_create(
        actor=editor,
        name=kind,
        scopes=scopes,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    if kind == "expired":
        type(token).objects.filter(pk=token.pk).update(expires_at=timezone.now())
    if kind == "revoked":
        services.token_revoke(actor=editor, token=token)
    client = Client(headers={"authorization": f"Bearer {secret}"})
    wrong = []

    for route in routes():
        if route.namespace != "api" or route.name in API_OPEN | {API_NOT_FOUND}:
            continue
        methods, _ = API_VIEWS[route.name]
        for method in (GET, POST):
            url = url_of(route, world)
            before = row_counts()
            response, _ = send(client, editor, method, url)
            if kind in ("expired", "revoked"):
                want = {401}
            elif method == GET:
                want = {200} if GET in methods else {405}
            elif kind == "read" or (route.name in SIGN_OFF_ROUTES and kind == "write"):
                want = {403}
            else:
                want = {400, 405, 415, 428} if POST in methods else {405}
            # A GET may record that it was read (an export), never change anything else.
            changed = method == POST and row_counts() != before
            if response.status_code not in want or changed:
                wrong.append(f"{method} {url}: {response.status_code}, expected {want}")

    assert wrong == []
