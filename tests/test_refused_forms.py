"""A refused form comes back as it was typed: every field, every choice, every tick."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from factcheck import services
from factcheck.models import Article, Attribution, Source
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


class _Forms(HTMLParser):
    """Each form's fields as a browser would submit them, keyed by the form's action."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._form: dict[str, str] | None = None
        self._select: str | None = None
        self._option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action", ""), {})
        elif self._form is None or ("name" not in a and tag != "option"):
            return
        elif tag == "input" and a.get("type") in {"checkbox", "radio"}:
            if "checked" in a:
                self._form[a["name"]] = a.get("value", "on")
        elif tag == "input" and a.get("type") not in {"submit", "button", "file"}:
            self._form[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._form[self._select] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form is not None:
            self._form[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._form is not None and self._textarea:
            # A browser drops the one line break that may follow <textarea>.
            value = self._form[self._textarea]
            self._form[self._textarea] = value[1:] if value.startswith("\n") else value
            self._textarea = None


def form_values(response, action: str) -> dict[str, str]:
    parser = _Forms()
    parser.feed(response.content.decode())
    return parser.forms[action]


def kept(response, action: str, typed: dict[str, str]) -> dict[str, str]:
    """The typed fields the re-shown form lost or changed: empty when it kept them all."""
    shown = form_values(response, action)
    return {
        name: shown.get(name)
        for name, value in typed.items()
        if name not in {"csrfmiddlewaretoken", "version"} and shown.get(name) != value
    }


@pytest.fixture
def logged_in(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def afp(db):
    return factories.make_source("AFP", type_slug="news_agency")


# --- The review page ---------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_refused_attribution_keeps_quote_mode_ground_rule_reason_and_every_other_field(
    logged_in, claim, afp, htmx
):
    typed = {
        "version": "1",
        "source": "",
        "new_source_name": "",
        "new_source_type": "anonymous_official",
        "new_source_affiliation": "Hamas",
        "new_source_anonymous": "on",
        "mention_text": "a top official",
        "mention_start": "",
        "mention_end": "",
        "cue": "told",
        "quote_mode": "direct",
        "intermediary": str(afp.pk),
        "ground_rule": "background",
        "anonymity_reason": "not authorised to speak",
    }
    action = reverse("attribution_add", args=[claim.pk])

    response = logged_in.post(action, typed, **(HTMX if htmx else {}))

    assert response.status_code == 422
    assert "Pick a source from the registry or name a new one." in response.content.decode()
    assert kept(response, action, typed) == {}
    assert "Picked: <strong>AFP</strong>" in response.content.decode()
    assert not Attribution.objects.exists()


def test_a_refused_attribution_keeps_the_registry_source_it_picked(logged_in, claim, afp):
    kirby = factories.make_source("John Kirby", type_slug="named_spokesperson")
    typed = {"version": "1", "source": str(kirby.pk), "quote_mode": "mixed", "cue": "said"}
    typed["intermediary"] = str(kirby.pk)  # a source cannot relay its own claim
    action = reverse("attribution_add", args=[claim.pk])

    response = logged_in.post(action, typed, **HTMX)

    assert response.status_code == 422
    assert kept(response, action, typed) == {}
    assert "Picked: <strong>John Kirby</strong>" in response.content.decode()


def test_a_refused_attribution_edit_keeps_what_was_typed(logged_in, reviewer, claim, afp):
    kirby = factories.make_source("John Kirby", type_slug="named_spokesperson")
    attribution = services.attribution_add(
        actor=reviewer, claim=claim, source=kirby, mention_text="Kirby"
    )
    claim.refresh_from_db()
    typed = {
        "version": str(claim.version),
        "mention_text": "Adm. Kirby",
        "cue": "told reporters",
        "quote_mode": "direct",
        "intermediary": str(kirby.pk),  # refused: a source cannot relay its own claim
        "ground_rule": "deep_background",
        "anonymity_reason": "briefing rules",
    }
    action = reverse("attribution_edit", args=[attribution.pk])

    response = logged_in.post(action, typed, **HTMX)

    assert response.status_code == 422
    assert kept(response, action, typed) == {}
    attribution.refresh_from_db()
    assert (attribution.mention_text, attribution.quote_mode) == ("Kirby", "paraphrase")


def test_a_refused_status_keeps_the_status_and_reason(logged_in, claim):
    typed = {"version": "1", "status": "false", "reason": "The count is wrong"}
    action = reverse("claim_status", args=[claim.pk])

    response = logged_in.post(action, typed, **HTMX)

    assert response.status_code == 422
    assert kept(response, action, typed) == {}


def test_a_stale_status_keeps_the_status_and_reason(logged_in, editor, claim):
    services.claim_update(actor=editor, claim=claim, rationale="Editor's rationale")
    typed = {"version": "1", "status": "in_progress", "reason": "Starting on it"}
    action = reverse("claim_status", args=[claim.pk])

    response = logged_in.post(action, typed, **HTMX)

    assert response.status_code == 409
    assert kept(response, action, typed) == {}


def test_a_refused_rationale_keeps_the_text(logged_in, claim):
    typed = {"version": "1", "rationale": "x" * 20_001}
    action = reverse("claim_rationale", args=[claim.pk])

    response = logged_in.post(action, typed, **HTMX)

    assert response.status_code == 422
    assert kept(response, action, typed) == {}


def test_a_stale_assignment_keeps_the_person_chosen(logged_in, editor, claim):
    services.claim_update(actor=editor, claim=claim, rationale="Editor's rationale")
    typed = {"version": "1", "assigned_to": str(editor.pk)}
    action = reverse("claim_assign", args=[claim.pk])

    response = logged_in.post(action, typed, **HTMX)

    assert response.status_code == 409
    assert kept(response, action, typed) == {}


def test_a_refused_evidence_link_keeps_url_and_title(logged_in, claim):
    typed = {"version": "1", "url": "javascript:alert(1)", "title": "The report"}
    action = reverse("evidence_add", args=[claim.pk])

    response = logged_in.post(action, typed, **HTMX)

    assert response.status_code == 422
    assert kept(response, action, typed) == {}


def test_a_stale_evidence_link_keeps_url_and_title(logged_in, editor, claim):
    services.claim_update(actor=editor, claim=claim, rationale="Editor's rationale")
    typed = {"version": "1", "url": "https://example.org/report", "title": "The report"}
    action = reverse("evidence_add", args=[claim.pk])

    response = logged_in.post(action, typed, **HTMX)

    assert response.status_code == 409
    assert kept(response, action, typed) == {}


def test_a_refused_note_keeps_its_text(logged_in, claim):
    typed = {"body": "Called the ministry. " * 1_000}
    action = reverse("note_add", args=[claim.pk])

    response = logged_in.post(action, typed, **HTMX)

    assert response.status_code == 422
    assert kept(response, action, typed) == {}


@pytest.fixture
def proposed(reviewer, claim):
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_update(actor=reviewer, claim=claim, rationale="No record of it.")
    return services.claim_set_status(actor=reviewer, claim=claim, status="unverifiable")


def test_a_refused_sign_off_keeps_its_note(client, editor, proposed):
    client.force_login(editor)
    typed = {"version": "1", "reason": "Checked the archive too"}  # stale version
    action = reverse("claim_sign_off", args=[proposed.pk])

    response = client.post(action, typed, **HTMX)

    assert response.status_code == 409
    assert kept(response, action, typed) == {}


def test_a_refused_reopen_keeps_its_reason(client, editor, proposed):
    services.verdict_sign_off(actor=editor, claim=proposed)
    client.force_login(editor)
    typed = {"version": "1", "reason": "The ministry corrected its figure"}  # stale version
    action = reverse("claim_reopen", args=[proposed.pk])

    response = client.post(action, typed, **HTMX)

    assert response.status_code == 409
    assert kept(response, action, typed) == {}


def test_a_refused_claim_leaves_the_selection_form_alone(logged_in, claim):
    # The create form sits beside the text, outside the panel the refusal replaces,
    # so the reviewer's selection is still there to correct.
    response = logged_in.post(
        reverse("claim_create", args=[claim.article_id]),
        {"start": "0", "end": "5", "text": "wrong"},
        **HTMX,
    )

    assert response.status_code == 422
    assert "claim-create-form" not in response.content.decode()
    assert "hx-swap-oob" not in response.content.decode()


# --- Other pages -------------------------------------------------------------


def test_a_refused_paste_import_keeps_every_field(client, reviewer):
    client.force_login(reviewer)
    typed = {
        "mode": "paste",
        "title": "Hurt in the blast",
        "outlet": "Daily Ledger",
        "url": "not an address",
        "published_on": "2026-11-30",
        "language": "en",
        "text": "The ministry said 40 people were hurt.",
    }
    action = ""

    response = client.post(reverse("article_import"), typed)

    assert response.status_code == 422
    assert kept(response, action, typed) == {}
    assert not Article.objects.exists()


def test_a_refused_source_edit_keeps_every_field(client, editor):
    source = factories.make_source("John Kirby", type_slug="named_spokesperson")
    client.force_login(editor)
    typed = {
        "name": "",
        "source_type": "government_office",
        "affiliation": "White House",
        "role": "Adviser",
        "is_anonymous": "on",
        "aliases": "Kirby\nAdm. Kirby",
        "reason": "Title changed",
    }
    action = reverse("source_edit", args=[source.pk])

    response = client.post(action, typed)

    assert response.status_code == 422
    assert kept(response, action, typed) == {}


def test_a_refused_merge_keeps_the_source_chosen_and_the_reason(client, editor):
    source = factories.make_source("J. Kirby", type_slug="named_spokesperson")
    into = factories.make_source("John Kirby", type_slug="named_spokesperson")
    client.force_login(editor)
    action = reverse("source_merge", args=[source.pk])
    typed = {"into": str(into.pk), "reason": "Same man " * 300}

    response = client.post(action, typed)

    assert response.status_code == 422
    assert kept(response, action, typed) == {}
    assert Source.objects.filter(pk=source.pk).exists()


def test_a_refused_replacement_keeps_the_source_chosen_and_the_reason(client, editor, claim):
    source = factories.make_source("J. Kirby", type_slug="named_spokesperson")
    services.attribution_add(actor=editor, claim=claim, source=source, mention_text="Kirby")
    by = factories.make_source("John Kirby", type_slug="named_spokesperson")
    client.force_login(editor)
    action = reverse("source_delete", args=[source.pk])
    typed = {"action": "replace", "by": str(by.pk), "reason": "Wrong one " * 300}

    response = client.post(action, typed)

    assert response.status_code == 422
    # The page's last form with this action is the replacement's.
    assert kept(response, action, typed) == {}


def test_a_refused_source_type_rename_keeps_name_and_description(client, editor):
    ministry = factories.source_type("ministry")
    client.force_login(editor)
    action = reverse("source_type_change", args=[ministry.pk])
    typed = {"action": "save", "name": "News agency", "description": "Any government body"}

    response = client.post(action, typed)

    assert response.status_code == 422
    assert (
        kept(response, action, {"name": "News agency", "description": typed["description"]}) == {}
    )


def test_a_refused_source_type_keeps_name_and_description(client, editor):
    client.force_login(editor)
    action = reverse("source_type_add")
    typed = {"name": "Ministry", "description": "Any government body"}

    response = client.post(action, typed)

    assert response.status_code == 422
    assert kept(response, action, typed) == {}


def test_a_refused_article_delete_keeps_number_and_reason(client, editor, claim):
    client.force_login(editor)
    action = reverse("article_delete", args=[claim.article_id])
    typed = {"confirmation": "99", "reason": "Duplicate of another import"}

    response = client.post(action, typed)

    assert response.status_code == 422
    assert kept(response, action, typed) == {}
    assert Article.objects.filter(pk=claim.article_id).exists()
