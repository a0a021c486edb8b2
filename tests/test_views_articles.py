import urllib.parse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from factcheck import services
from factcheck.models import Article, AuditEvent
from tests import factories


def test_login_page_is_served(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b"Log in" in response.content
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("url", ["/", "/admin/"])
def test_pages_require_login(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert "login" in response.headers["Location"]


def test_login_with_wrong_password_shows_an_error(client, reviewer):
    response = client.post(reverse("login"), {"username": "rita", "password": "wrong"})

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_header_shows_who_is_logged_in_and_their_role(client, reviewer):
    client.post(reverse("login"), {"username": "rita", "password": "pw-for-tests-123"})

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert b'<span class="user">rita</span>' in response.content
    assert b"Reviewer" in response.content


def test_article_list_escapes_titles(client, reviewer, django_assert_max_num_queries):
    for _ in range(5):
        factories.make_article()
    factories.make_article(title="<script>alert(1)</script>")
    client.force_login(reviewer)

    with django_assert_max_num_queries(11):
        response = client.get(reverse("home"))

    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


def test_article_list_search_filters_and_progress(client, reviewer):
    gaza = factories.make_article(title="Gaza talks", outlet="Daily Sabah")
    factories.make_article(title="Budget vote", outlet="AP")
    claim = factories.make_claim(article=gaza)
    services.claim_set_status(actor=None, claim=claim, status="in_progress")
    client.force_login(reviewer)

    by_text = client.get(reverse("home"), {"q": "gaza"}).content.decode()
    by_outlet = client.get(reverse("home"), {"outlet": "AP"}).content.decode()
    open_ones = client.get(reverse("home"), {"progress": "open"}).content.decode()
    fragment = client.get(reverse("home"), {"progress": "no_claims"}, HTTP_HX_REQUEST="true")

    assert "Gaza talks" in by_text and "Budget vote" not in by_text
    assert "Budget vote" in by_outlet and "Gaza talks" not in by_outlet
    assert "Gaza talks" in open_ones and "Budget vote" not in open_ones
    assert 'aria-label="1 in progress"' in open_ones
    assert "<html" not in fragment.content.decode()
    assert "Budget vote" in fragment.content.decode()


def test_a_logged_in_page_is_never_kept_by_a_shared_cache(client, reviewer, admin_client):
    client.force_login(reviewer)

    page = client.get(reverse("home"))
    fragment = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    export = client.get(reverse("export_claims"))
    admin = admin_client.get(reverse("admin:index"))

    for response in (page, fragment, admin):
        assert response.status_code == 200
        assert "private" in response["Cache-Control"]
    assert set(export["Cache-Control"].replace(" ", "").split(",")) == {"private", "no-store"}


def test_paste_import_creates_the_article(client, reviewer):
    client.force_login(reviewer)

    response = client.post(
        reverse("article_import"),
        {
            "mode": "paste",
            "title": "Pasted",
            "outlet": "AFP",
            "language": "en",
            "text": "Pasted\n\nThe ministry said 12 people died.",
        },
    )

    article = Article.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("review", args=[article.pk])
    assert article.outlet == "AFP"
    assert AuditEvent.objects.exclude(object_type="user").get().action == "article.created"


def test_paste_import_without_text_shows_the_error(client, reviewer):
    client.force_login(reviewer)

    response = client.post(
        reverse("article_import"), {"mode": "paste", "title": "Empty", "language": "en", "text": ""}
    )

    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("field", "raw", "reason"),
    [
        ("text", b"ab%FFcd", "not UTF-8: byte 0xFF at offset 2 cannot be decoded"),
        # A lone surrogate (U+D800) as a browser-less client encodes it.
        ("title", b"T%ED%A0%80", "not UTF-8: byte 0xED at offset 1 cannot be decoded"),
    ],
)
def test_a_paste_that_is_not_utf8_is_refused_like_a_file(client, reviewer, field, raw, reason):
    client.force_login(reviewer)
    fields = {"mode": b"paste", "title": b"Title", "outlet": b"AFP", "language": b"en"}
    fields |= {"text": b"Body"} | {field: raw}
    body = b"&".join(key.encode() + b"=" + value for key, value in fields.items())

    pasted = client.post(
        reverse("article_import"), body, content_type="application/x-www-form-urlencoded"
    )
    uploaded = client.post(
        reverse("article_import"),
        {
            "mode": "upload",
            "files": [SimpleUploadedFile("x.txt", urllib.parse.unquote_to_bytes(raw))],
        },
    )

    page = pasted.content.decode()
    assert pasted.status_code == 422
    assert f"{reason}; save the file as UTF-8" in page
    assert f"x.txt: {reason}; save the file as UTF-8" in uploaded.content.decode()
    assert 'value="AFP"' in page
    assert not Article.objects.exists()


def test_a_multipart_paste_that_could_not_be_decoded_is_refused(client, reviewer):
    client.force_login(reviewer)
    boundary = "b0und"
    parts = [("mode", b"paste"), ("title", b"Title"), ("language", b"en"), ("text", b"ab\xffcd")]
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
            for name, value in parts
        )
        + f"--{boundary}--\r\n".encode()
    )

    response = client.post(
        reverse("article_import"), body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert response.status_code == 422
    assert "not UTF-8: character 2 could not be decoded" in response.content.decode()
    assert not Article.objects.exists()


def test_upload_several_files_reports_each(client, reviewer):
    client.force_login(reviewer)
    files = [
        SimpleUploadedFile("one.txt", b"First story\n\nIt happened, police said."),
        SimpleUploadedFile("two.md", "# Second story\n\nÉlus said «non».".encode()),
        SimpleUploadedFile("bad.txt", b"\xff\xfe\x00binary"),
        SimpleUploadedFile("empty.txt", b"   "),
    ]

    response = client.post(
        reverse("article_import"), {"mode": "upload", "files": files}, follow=True
    )

    body = response.content.decode()
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "First story",
        "Second story",
    ]
    assert "Imported “First story”" in body
    assert "Skipped bad.txt" in body
    assert "Skipped empty.txt" in body


def test_upload_of_only_bad_files_imports_nothing_and_says_why(client, reviewer, settings):
    settings.FACTCHECK_IMPORT_MAX_BYTES = 10
    client.force_login(reviewer)

    response = client.post(
        reverse("article_import"),
        {
            "mode": "upload",
            "files": [
                SimpleUploadedFile("big.txt", b"x" * 100),
                SimpleUploadedFile("doc.pdf", b"%PDF-1.4"),
            ],
        },
    )

    body = response.content.decode()
    assert response.status_code == 422
    assert "big.txt: 100 bytes is over the limit of 10 bytes" in body
    assert "doc.pdf: unsupported file type" in body
    assert not Article.objects.exists()


def multipart(boundary: str, *parts: tuple[str, str | None, bytes]) -> bytes:
    """A multipart body of (field, file name or None, content) parts, as a client sends it."""
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


def test_an_upload_django_cannot_read_shows_the_import_page_with_why(client, reviewer):
    client.force_login(reviewer)
    boundary = "b0und"
    long_name = multipart(boundary, ("mode", None, b"upload"), ("files", "a" * 1000 + ".txt", b"T"))
    many = [SimpleUploadedFile(f"{n}.txt", f"Story {n}\n\nBody.".encode()) for n in range(101)]

    named = client.post(
        reverse("article_import"),
        long_name,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    counted = client.post(reverse("article_import"), {"mode": "upload", "files": many})

    assert named.status_code == 422
    assert "Nothing was imported:" in named.content.decode()
    assert "A file name is too long: shorten it (255 characters at most)" in named.content.decode()
    assert counted.status_code == 422
    assert "Upload at most 50 files at once." in counted.content.decode()
    assert 'name="title"' in counted.content.decode()
    assert not Article.objects.exists()


def test_the_import_still_checks_csrf(reviewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)

    response = client.post(
        reverse("article_import"),
        {"mode": "paste", "title": "Forged", "language": "en", "text": "Forged text."},
    )

    assert response.status_code == 403
    assert not Article.objects.exists()


def test_upload_of_a_known_text_creates_no_duplicate(client, reviewer):
    factories.make_article(text="Known\n\nAlready here.", title="Known")
    client.force_login(reviewer)

    client.post(
        reverse("article_import"),
        {"mode": "upload", "files": [SimpleUploadedFile("k.txt", b"Known\n\nAlready here.\n")]},
    )

    assert Article.objects.count() == 1


def test_viewer_cannot_import(client, viewer):
    client.force_login(viewer)

    response = client.post(
        reverse("article_import"),
        {"mode": "paste", "title": "x", "language": "en", "text": "Some text"},
    )

    assert response.status_code == 403
    assert "Your role cannot import articles." in response.content.decode()
    assert not Article.objects.exists()


def test_login_brute_force_is_locked_out(client, reviewer, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": "rita", "password": "wrong"})

    response = client.post(reverse("login"), {"username": "rita", "password": "pw-for-tests-123"})

    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- An article's details: where it appeared --------------------------------


def test_an_editor_adds_the_outlet_address_and_date_of_a_text_import(client, editor):
    article = factories.make_article(title="Pasted story")
    client.force_login(editor)
    url = reverse("article_edit", args=[article.pk])

    page = client.get(url)
    saved = client.post(
        url,
        {
            "title": "Pasted story",
            "outlet": "The Courier",
            "url": "https://courier.example/story",
            "published_on": "2026-11-30",
            "language": "en",
        },
    )

    assert page.status_code == 200
    assert saved.status_code == 302
    assert saved.headers["Location"] == reverse("review", args=[article.pk])
    article.refresh_from_db()
    assert (article.outlet, article.url, str(article.published_on)) == (
        "The Courier",
        "https://courier.example/story",
        "2026-11-30",
    )
    event = AuditEvent.objects.filter(action="article.changed").get()
    assert event.actor == editor
    assert event.changes["outlet"] == ["", "The Courier"]
    assert set(event.changes) == {"outlet", "url", "published_on"}


def test_refused_details_keep_every_field_and_change_nothing(client, editor):
    article = factories.make_article(title="Pasted story")
    client.force_login(editor)
    typed = {
        "title": "Retitled",
        "outlet": "The Courier",
        "url": "not an address",
        "published_on": "2026-11-30",
        "language": "fr",
    }

    response = client.post(reverse("article_edit", args=[article.pk]), typed)

    assert response.status_code == 422
    assert "Enter a valid URL." in response.text
    for value in ("Retitled", "The Courier", "not an address", "2026-11-30", 'value="fr"'):
        assert value in response.text
    article.refresh_from_db()
    assert (article.title, article.outlet) == ("Pasted story", "")
    assert not AuditEvent.objects.filter(action="article.changed").exists()


def test_a_viewer_cannot_edit_an_articles_details(client, viewer):
    article = factories.make_article()
    client.force_login(viewer)

    response = client.post(
        reverse("article_edit", args=[article.pk]), {"title": "Mine", "language": "en"}
    )

    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).title != "Mine"


@pytest.mark.parametrize("complete", [False, True], ids=["text import", "complete"])
def test_sign_off_warns_when_the_claim_review_cannot_say_where_it_appeared(
    client, reviewer, editor, complete
):
    details = (
        {"outlet": "The Courier", "url": "https://courier.example/s", "published_on": "2026-11-30"}
        if complete
        else {}
    )
    article = factories.make_article(**details)
    claim = factories.make_claim(article=article)
    services.claim_update(actor=reviewer, claim=claim, rationale="The count differs.")
    services.evidence_add(actor=reviewer, claim=claim, url="https://example.org/count")
    services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")
    services.claim_set_status(actor=reviewer, claim=claim, status="false")
    client.force_login(editor)

    panel = client.get(reverse("claim_detail", args=[claim.pk])).text

    assert ('id="appearance-warning"' in panel) is not complete
    if not complete:
        assert "the article has no outlet, address, date." in panel
        assert reverse("article_edit", args=[article.pk]) in panel
