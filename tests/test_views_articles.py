import pytest
from django.urls import reverse

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

    with django_assert_max_num_queries(6):
        response = client.get(reverse("home"))

    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content
