"""Login lock-out by user name and real client address, behind reverse proxies or not.

Each proxy appends to X-Forwarded-For the address it was reached from; the
last one connects. The settings are read from FACTCHECK_TRUSTED_PROXIES as
`factcheck/settings.py` reads them at start-up.
"""

import runpy

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

SETTINGS_FILE = django_settings.BASE_DIR / "factcheck" / "settings.py"
CLIENT_ADDRESS_SETTINGS = [
    "FACTCHECK_TRUSTED_PROXIES",
    "AXES_IPWARE_META_PRECEDENCE_ORDER",
    "AXES_IPWARE_PROXY_COUNT",
    "AXES_IPWARE_PROXY_ORDER",
    "IPWARE_STRICT",
]
PROXY = "10.0.0.2"
ATTACKER = "198.51.100.7"
EDITOR_AT_HOME = "203.0.113.9"
RIGHT_PASSWORD = "pw-for-tests-123"


def start_with(monkeypatch, settings, proxies: str | None):
    """Read the settings as a server started with FACTCHECK_TRUSTED_PROXIES=`proxies` does."""
    if proxies is None:
        monkeypatch.delenv("FACTCHECK_TRUSTED_PROXIES", raising=False)
    else:
        monkeypatch.setenv("FACTCHECK_TRUSTED_PROXIES", proxies)
    read = runpy.run_path(str(SETTINGS_FILE))
    for name in CLIENT_ADDRESS_SETTINGS:
        setattr(settings, name, read[name])


def log_in(client, address: str, password: str, forwarded_for: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return client.post(
        reverse("login"),
        {"username": "ed", "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def is_locked_out(response) -> bool:
    return response.status_code == 429 and "Too many failed log-ins" in response.content.decode()


def test_behind_a_proxy_five_failures_lock_out_that_client_only(
    client, editor, settings, monkeypatch
):
    start_with(monkeypatch, settings, "1")
    for _ in range(5):
        # The attacker writes the editor's address into the header; the proxy
        # appends the attacker's own.
        log_in(client, PROXY, "wrong", forwarded_for=f"{EDITOR_AT_HOME}, {ATTACKER}")

    attacker = log_in(client, PROXY, RIGHT_PASSWORD, forwarded_for=ATTACKER)
    client.cookies.clear()
    the_editor = log_in(client, PROXY, RIGHT_PASSWORD, forwarded_for=EDITOR_AT_HOME)

    assert is_locked_out(attacker)
    assert the_editor.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_behind_two_proxies_the_address_the_first_one_added_is_the_clients(
    client, editor, settings, monkeypatch
):
    start_with(monkeypatch, settings, "2")
    first_proxy = "10.0.0.1"
    for _ in range(5):
        log_in(client, PROXY, "wrong", forwarded_for=f"{EDITOR_AT_HOME}, {ATTACKER}, {first_proxy}")

    attacker = log_in(client, PROXY, RIGHT_PASSWORD, forwarded_for=f"{ATTACKER}, {first_proxy}")
    client.cookies.clear()
    the_editor = log_in(
        client, PROXY, RIGHT_PASSWORD, forwarded_for=f"{EDITOR_AT_HOME}, {first_proxy}"
    )

    assert is_locked_out(attacker)
    assert the_editor.status_code == 302


@pytest.mark.parametrize("proxies", [None, "", "0"])
def test_without_a_proxy_a_forged_forwarded_for_changes_nothing(
    client, editor, settings, monkeypatch, proxies
):
    start_with(monkeypatch, settings, proxies)
    for n in range(5):
        # A new address in the header each time does not get past the lock-out,
        # and the editor's address in it does not lock the editor out.
        log_in(client, ATTACKER, "wrong", forwarded_for=f"{EDITOR_AT_HOME}, 192.0.2.{n}")

    attacker = log_in(client, ATTACKER, RIGHT_PASSWORD, forwarded_for="192.0.2.200")
    client.cookies.clear()
    the_editor = log_in(client, EDITOR_AT_HOME, RIGHT_PASSWORD, forwarded_for=ATTACKER)

    assert is_locked_out(attacker)
    assert the_editor.status_code == 302


@pytest.mark.parametrize("proxies", ["two", "-1", "1.5", "١"])
def test_a_proxy_count_that_is_not_a_number_stops_the_start_with_what_to_set(
    settings, monkeypatch, proxies
):
    with pytest.raises(ImproperlyConfigured) as refusal:
        start_with(monkeypatch, settings, proxies)

    assert "set it to the number of reverse proxies in front of the application" in str(
        refusal.value
    )
