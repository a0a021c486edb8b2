"""Each role against every write endpoint: the expected status code, and no write where refused."""

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from factcheck import services
from factcheck.models import (
    Article,
    Attribution,
    AuditEvent,
    Claim,
    EvidenceLink,
    Note,
    Source,
    SourceType,
    Suggestion,
    SuggestionRun,
)
from factcheck.roles import ROLE_PERMISSIONS
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
ROLES = ["anonymous", "Viewer", "Reviewer", "Editor", "staff"]


@dataclass
class Scene:
    claim: Claim
    proposed: Claim
    signed: Claim
    attribution_id: int
    evidence_id: int


@pytest.fixture
def scene(db) -> Scene:
    proposer = factories.make_user("Reviewer", username="proposer")
    signer = factories.make_user("Editor", username="signer")
    article = factories.make_article(
        text="Title\n\nOne claim here. Another claim there. A third one. A fourth."
    )
    claim = factories.make_claim(article=article, phrase="One claim here.")
    attribution = services.attribution_add(
        actor=None, claim=claim, source=factories.make_source("Ministry of Health")
    )
    link = services.evidence_add(actor=None, claim=claim, url="https://example.org/a")
    proposed = factories.make_claim(article=article, phrase="Another claim there.")
    services.claim_update(actor=None, claim=proposed, rationale="Report says so.")
    services.evidence_add(actor=None, claim=proposed, url="https://example.org/b")
    services.claim_set_status(actor=proposer, claim=proposed, status="in_progress")
    services.claim_set_status(actor=proposer, claim=proposed, status="verified")
    signed = factories.make_claim(article=article, phrase="A third one.")
    services.claim_update(actor=None, claim=signed, rationale="No record.")
    services.claim_set_status(actor=proposer, claim=signed, status="in_progress")
    services.claim_set_status(actor=proposer, claim=signed, status="unverifiable")
    services.verdict_sign_off(actor=signer, claim=signed)
    return Scene(
        claim=Claim.objects.get(pk=claim.pk),
        proposed=Claim.objects.get(pk=proposed.pk),
        signed=Claim.objects.get(pk=signed.pk),
        attribution_id=attribution.pk,
        evidence_id=link.pk,
    )


def request_for(endpoint: str, scene: Scene, user: User | None) -> tuple[str, dict]:
    """The URL and a valid POST body for the endpoint, as its user would send them."""
    claim, version = scene.claim, scene.claim.version
    if endpoint == "claim_undo" and user is not None and user.has_perm("factcheck.change_claim"):
        claim = services.claim_update(actor=user, claim=claim, rationale="to be undone")
        version = claim.version
    article = claim.article
    phrase = "A fourth."
    start = article.text.index(phrase)
    return {
        "claim_create": (
            reverse("claim_create", args=[article.pk]),
            {"start": start, "end": start + len(phrase), "text": phrase},
        ),
        "claim_status": (
            reverse("claim_status", args=[claim.pk]),
            {"status": "in_progress", "version": version},
        ),
        "claim_rationale": (
            reverse("claim_rationale", args=[claim.pk]),
            {"rationale": "New rationale", "version": version},
        ),
        "claim_delete": (reverse("claim_delete", args=[claim.pk]), {"version": version}),
        "claim_undo": (reverse("claim_undo", args=[claim.pk]), {"version": version}),
        "claim_sign_off": (
            reverse("claim_sign_off", args=[scene.proposed.pk]),
            {"version": scene.proposed.version},
        ),
        "claim_reopen": (
            reverse("claim_reopen", args=[scene.signed.pk]),
            {"version": scene.signed.version, "reason": "New evidence"},
        ),
        "attribution_add": (
            reverse("attribution_add", args=[claim.pk]),
            {
                "version": version,
                "new_source_name": "WHO",
                "new_source_type": "organization",
                "quote_mode": "paraphrase",
            },
        ),
        "attribution_edit": (
            reverse("attribution_edit", args=[scene.attribution_id]),
            {"version": version, "cue": "said", "quote_mode": "direct"},
        ),
        "attribution_remove": (
            reverse("attribution_remove", args=[scene.attribution_id]),
            {"version": version},
        ),
        "evidence_add": (
            reverse("evidence_add", args=[claim.pk]),
            {"version": version, "url": "https://example.org/new"},
        ),
        "evidence_remove": (
            reverse("evidence_remove", args=[scene.evidence_id]),
            {"version": version},
        ),
        "note_add": (reverse("note_add", args=[claim.pk]), {"body": "A note"}),
        "article_import": (
            reverse("article_import"),
            {"mode": "paste", "title": "Pasted", "language": "en", "text": "Fresh text."},
        ),
        "queue_bulk": (
            reverse("queue_bulk"),
            {"action": "in_progress", "claims": [claim.pk]},
        ),
        "article_upload": (
            reverse("article_import"),
            {"mode": "upload", "files": [SimpleUploadedFile("a.txt", b"Up\n\nLoaded text.")]},
        ),
    }[endpoint]


REVIEWER_WRITES = [
    "claim_create",
    "claim_status",
    "claim_rationale",
    "claim_delete",
    "claim_undo",
    "attribution_add",
    "attribution_edit",
    "attribution_remove",
    "evidence_add",
    "evidence_remove",
    "note_add",
    "article_import",
    "article_upload",
    "queue_bulk",
]
EDITOR_WRITES = ["claim_sign_off", "claim_reopen"]

MATRIX = {
    "anonymous": {},
    "Viewer": {},
    "Reviewer": dict.fromkeys(REVIEWER_WRITES, True),
    "Editor": dict.fromkeys(REVIEWER_WRITES + EDITOR_WRITES, True),
    "staff": dict.fromkeys(REVIEWER_WRITES + EDITOR_WRITES, True),
}


def user_for(role: str) -> User | None:
    if role == "anonymous":
        return None
    if role == "staff":
        return User.objects.create_superuser("staff", password="pw-for-tests-123")
    return factories.make_user(role, username=f"the-{role.lower()}")


def database_state(scene: Scene) -> dict[str, object]:
    """Every factcheck and auth table's row count, and what the scene's rows hold."""
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in ("factcheck", "auth")
    ]
    state: dict[str, object] = {model._meta.db_table: model.objects.count() for model in models}
    # Rows whose values a refused request might change in place.
    state["claims"] = list(Claim.objects.order_by("pk").values())
    state["attributions"] = list(Attribution.objects.order_by("pk").values())
    return state


def effect_of(endpoint: str, scene: Scene, user: User) -> bool:
    """Whether the change the endpoint exists for is in the database."""
    claim = Claim.objects.filter(pk=scene.claim.pk).first()
    match endpoint:
        case "claim_create":
            return Claim.objects.filter(article=scene.claim.article, text="A fourth.").exists()
        case "claim_status" | "queue_bulk":
            return claim.status == "in_progress"
        case "claim_rationale":
            return claim.rationale == "New rationale"
        case "claim_delete":
            return claim is None
        case "claim_undo":
            return claim.rationale == scene.claim.rationale
        case "claim_sign_off":
            return Claim.objects.get(pk=scene.proposed.pk).signed_off_by == user
        case "claim_reopen":
            return Claim.objects.get(pk=scene.signed.pk).signed_off_at is None
        case "attribution_add":
            return claim.attributions.filter(source__name="WHO").exists()
        case "attribution_edit":
            attribution = Attribution.objects.get(pk=scene.attribution_id)
            return (attribution.cue, attribution.quote_mode) == ("said", "direct")
        case "attribution_remove":
            return not Attribution.objects.filter(pk=scene.attribution_id).exists()
        case "evidence_add":
            return claim.evidence.filter(url="https://example.org/new").exists()
        case "evidence_remove":
            return not EvidenceLink.objects.filter(pk=scene.evidence_id).exists()
        case "note_add":
            return claim.notes.filter(body="A note", author=user).exists()
        case "article_import":
            return Article.objects.filter(title="Pasted", created_by=user).exists()
        case "article_upload":
            return Article.objects.filter(text__contains="Loaded text.").exists()
    raise AssertionError(f"no effect written down for {endpoint}")


@pytest.mark.parametrize("endpoint", REVIEWER_WRITES + EDITOR_WRITES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, scene, role, endpoint):
    user = user_for(role)
    if user is not None:
        client.force_login(user)
    url, data = request_for(endpoint, scene, user)
    before = AuditEvent.objects.count()
    state = database_state(scene)

    plain = endpoint.startswith("article") or endpoint == "queue_bulk"
    response = client.post(url, data, **({} if plain else HTMX))

    if MATRIX[role].get(endpoint):
        assert response.status_code in (200, 302), response.content.decode()[:500]
        assert effect_of(endpoint, scene, user)
        assert AuditEvent.objects.count() > before
        return
    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 403
    assert database_state(scene) == state


@pytest.mark.parametrize("role", ROLES)
def test_admin_is_for_staff_only(client, scene, role):
    user = user_for(role)
    if user is not None:
        client.force_login(user)

    response = client.get(reverse("admin:factcheck_claim_changelist"))

    if role == "staff":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert "login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["Viewer", "Reviewer", "Editor"])
def test_every_role_can_read(client, scene, role):
    client.force_login(user_for(role))

    pages = [
        reverse("home"),
        reverse("review", args=[scene.claim.article_id]),
        reverse("claim_detail", args=[scene.claim.pk]),
    ]

    assert [client.get(page).status_code for page in pages] == [200, 200, 200]


# ---------------------------------------------------------------------------
# Each service's own check: the views and the admin check too, but a command,
# an import or a new view calling the service must meet the same refusal.


def _checked_permissions() -> dict[str, str]:
    """The services that check a permission themselves, read from their code."""
    checked = {}
    for name in services.__all__:
        function = getattr(services, name)
        if not inspect.isfunction(function):
            continue
        code = inspect.getsource(function)
        if found := re.search(r'_authorize\(actor, "(\w+)"\)', code):
            checked[name] = "factcheck." + found[1]
        elif found := re.search(r'_authorize_accounts\(actor, "(\w+)"\)', code):
            checked[name] = "auth." + found[1]
        elif "_authorize_decision(actor)" in code:
            checked[name] = "factcheck.add_claim"
    return checked


CHECKED_PERMISSIONS = _checked_permissions()


def _lacks(role: str, permission: str) -> bool:
    app, codename = permission.split(".")
    return app != "factcheck" or codename not in ROLE_PERMISSIONS[role]


@dataclass
class Desk:
    """One of each thing a service changes, each in a state the service accepts."""

    article: Article
    bare_article: Article
    claim: Claim
    proposed: Claim
    signed: Claim
    attribution: Attribution
    link: EvidenceLink
    note: Note
    source: Source
    other_source: Source
    unused_type: SourceType
    account: User
    suggestion: Suggestion


@pytest.fixture
def desk(scene) -> Desk:
    article = scene.claim.article
    bare_article = factories.make_article(text="Bare\n\nNothing signed off here.")
    run = SuggestionRun.objects.create(article=article)
    phrase = "A fourth."
    start = article.text.index(phrase)
    [suggestion] = services.suggestion_run_record(
        run=run,
        proposals=[
            services.ProposedSuggestion(
                claim_start=start,
                claim_end=start + len(phrase),
                claim_text=phrase,
                source_type_slug="unattributed",
                confidence=0.9,
            )
        ],
    ).stored
    return Desk(
        article=article,
        bare_article=bare_article,
        claim=scene.claim,
        proposed=scene.proposed,
        signed=scene.signed,
        attribution=Attribution.objects.get(pk=scene.attribution_id),
        link=EvidenceLink.objects.get(pk=scene.evidence_id),
        note=services.note_add(actor=None, claim=scene.claim, body="Call the ministry."),
        source=factories.make_source("Health Ministry"),
        other_source=factories.make_source("Ministry of Finance"),
        unused_type=services.source_type_create(actor=None, name="Leaflet"),
        account=factories.make_user("Viewer", username="someone"),
        suggestion=suggestion,
    )


def _subscription():
    return services.webhook_subscribe(
        actor=None, url="https://hooks.example/", events=["claim.created"], secret="whsec_x"
    )


# Each service that checks a permission: the permission, and a valid call built from the desk.
SERVICE_CALLS: dict[str, tuple[str, Callable[[Desk], dict[str, Any]]]] = {
    "account_create": (
        "auth.add_user",
        lambda d: {"username": "newcomer", "password": "pw-for-tests-123"},
    ),
    "account_update": ("auth.change_user", lambda d: {"user": d.account, "is_active": False}),
    "account_delete": ("auth.delete_user", lambda d: {"user": d.account}),
    "article_create": (
        "factcheck.add_article",
        lambda d: {"title": "New", "text": "New\n\nA new article."},
    ),
    "article_update": (
        "factcheck.change_article",
        lambda d: {"article": d.article, "outlet": "Another outlet"},
    ),
    "article_delete": ("factcheck.delete_article", lambda d: {"article": d.bare_article}),
    "attribution_add": (
        "factcheck.add_attribution",
        lambda d: {"claim": d.claim, "source": d.source},
    ),
    "attribution_update": (
        "factcheck.change_attribution",
        lambda d: {"attribution": d.attribution, "cue": "told"},
    ),
    "attribution_remove": (
        "factcheck.delete_attribution",
        lambda d: {"attribution": d.attribution},
    ),
    "claim_create": (
        "factcheck.add_claim",
        lambda d: {
            "article": d.article,
            "start": d.article.text.index("A fourth."),
            "end": d.article.text.index("A fourth.") + len("A fourth."),
            "text": "A fourth.",
        },
    ),
    "claim_update": (
        "factcheck.change_claim",
        lambda d: {"claim": d.claim, "rationale": "Rewritten."},
    ),
    "claim_set_status": (
        "factcheck.change_claim",
        lambda d: {"claim": d.claim, "status": "in_progress"},
    ),
    "claim_delete": ("factcheck.delete_claim", lambda d: {"claim": d.claim}),
    "verdict_sign_off": ("factcheck.sign_off_claim", lambda d: {"claim": d.proposed}),
    "claim_reopen": (
        "factcheck.reopen_claim",
        lambda d: {"claim": d.signed, "reason": "New evidence."},
    ),
    "claim_publish": ("factcheck.sign_off_claim", lambda d: {"claim": d.signed}),
    "claim_unpublish": ("factcheck.sign_off_claim", lambda d: {"claim": d.signed}),
    "claim_undo": ("factcheck.change_claim", lambda d: {"claim": d.claim}),
    "claim_redo": ("factcheck.change_claim", lambda d: {"claim_id": d.claim.pk}),
    "evidence_add": (
        "factcheck.add_evidencelink",
        lambda d: {"claim": d.claim, "url": "https://example.org/new"},
    ),
    "evidence_remove": ("factcheck.delete_evidencelink", lambda d: {"link": d.link}),
    "note_add": ("factcheck.add_note", lambda d: {"claim": d.claim, "body": "A note."}),
    "note_delete": ("factcheck.delete_note", lambda d: {"note": d.note}),
    "source_create": (
        "factcheck.add_source",
        lambda d: {"name": "New source", "source_type": d.source.source_type},
    ),
    "source_update": (
        "factcheck.change_source",
        lambda d: {"source": d.source, "affiliation": "Government"},
    ),
    "source_delete": ("factcheck.delete_source", lambda d: {"source": d.source}),
    "source_merge": (
        "factcheck.merge_source",
        lambda d: {"source": d.source, "into": d.other_source},
    ),
    "source_replace": (
        "factcheck.delete_source",
        lambda d: {"source": d.source, "by": d.other_source},
    ),
    "source_type_create": ("factcheck.add_sourcetype", lambda d: {"name": "Pamphlet"}),
    "source_type_update": (
        "factcheck.change_sourcetype",
        lambda d: {"source_type": d.unused_type, "name": "Flyer"},
    ),
    "source_type_delete": ("factcheck.delete_sourcetype", lambda d: {"source_type": d.unused_type}),
    "webhook_subscribe": (
        "factcheck.sign_off_claim",
        lambda d: {"url": "https://x.example/", "events": ["claim.created"], "secret": "whsec_x"},
    ),
    "webhook_update": (
        "factcheck.sign_off_claim",
        lambda d: {"subscription": _subscription(), "is_active": False},
    ),
    "webhook_disable": (
        "factcheck.sign_off_claim",
        lambda d: {"subscription": _subscription(), "reason": "Too many failures."},
    ),
    "webhook_delete": ("factcheck.sign_off_claim", lambda d: {"subscription": _subscription()}),
    "suggestion_accept": ("factcheck.add_claim", lambda d: {"suggestion": d.suggestion}),
    "suggestion_reject": ("factcheck.add_claim", lambda d: {"suggestion": d.suggestion}),
    "suggestions_accept_above": (
        "factcheck.add_claim",
        lambda d: {"article": d.article, "threshold": 0.5},
    ),
}


def test_every_service_that_checks_a_permission_has_a_call_here():
    assert {name: call[0] for name, call in SERVICE_CALLS.items()} == CHECKED_PERMISSIONS


@pytest.mark.parametrize(
    ("name", "role"),
    [
        (name, role)
        for name, (permission, _) in SERVICE_CALLS.items()
        for role in ("Viewer", "Reviewer", "Editor")
        if _lacks(role, permission)
    ],
)
def test_a_service_refuses_a_role_without_its_permission(desk, name, role):
    actor = factories.make_user(role)
    kwargs = SERVICE_CALLS[name][1](desk)
    events = AuditEvent.objects.count()

    with pytest.raises(services.NotAllowed):
        getattr(services, name)(actor=actor, **kwargs)

    assert AuditEvent.objects.count() == events
