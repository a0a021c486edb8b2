"""Webhooks against a receiver on loopback: signed deliveries after commit, retries, disabling."""

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from factcheck import services, webhooks
from factcheck.models import AuditEvent, WebhookDelivery, WebhookSubscription
from tests import factories


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps what it is sent and answers `status`."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"thanks")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    serving = Receiver()
    yield serving
    serving.close()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the transaction's commit (the delivery task) when the block ends."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def subscription(editor, receiver):
    return services.webhook_subscribe(
        actor=editor,
        url=receiver.url,
        events=["claim.created", "verdict.signed_off"],
        description="CMS",
        secret=webhooks.new_secret(),
    )


@pytest.mark.django_db
def test_a_delivery_verifies_with_the_secret(subscription, receiver, committed):
    with committed(execute=True):
        claim = factories.make_claim()

    [(headers, body)] = receiver.received
    payload = Webhook(subscription.secret).verify(body, headers)
    assert payload["type"] == "claim.created"
    assert payload["data"]["claim_id"] == claim.pk
    assert WebhookDelivery.objects.get().state == "delivered"
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(body, headers)


@pytest.mark.django_db
def test_nothing_is_sent_for_a_change_rolled_back(subscription, receiver, committed):
    article = factories.make_article()

    with committed(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        factories.make_claim(article=article)
        raise RuntimeError("the change fails after its event was written")

    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_events_not_subscribed_to_are_not_sent(subscription, receiver, reviewer, committed):
    claim = factories.make_claim()
    with committed(execute=True):
        services.claim_set_status(actor=reviewer, claim=claim, status="in_progress")

    assert receiver.received == []


@pytest.mark.django_db
def test_a_failing_receiver_is_retried_then_the_subscription_disabled(
    subscription, receiver, committed
):
    receiver.status = 500
    with committed(execute=True):
        factories.make_claim()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending" and delivery.attempts == 1 and delivery.last_status == 500
    assert delivery.next_attempt_at > timezone.now()

    # Time passes: each retry fails, then the delivery gives up for good.
    later = timezone.now() + datetime.timedelta(days=1)
    for _ in range(len(webhooks.RETRY_AFTER)):
        webhooks.deliver_due(now=later)
    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert delivery.attempts == len(webhooks.RETRY_AFTER) + 1
    assert len(receiver.received) == delivery.attempts

    # Ten failures in a row disable the subscription, with the reason, audited.
    with committed(execute=True):
        for _ in range(3):
            factories.make_claim()
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert "failed in a row" in subscription.disabled_reason
    assert AuditEvent.objects.filter(action="webhook.disabled").count() == 1

    # Enabled again, a delivery that succeeds goes through and the count starts afresh.
    receiver.status = 204
    services.webhook_update(actor=None, subscription=subscription, is_active=True)
    with committed(execute=True):
        factories.make_claim()
    subscription.refresh_from_db()
    assert subscription.failures == 0
    assert WebhookDelivery.objects.filter(state="delivered").count() == 1


@pytest.mark.django_db
def test_the_webhooks_page_shows_the_secret_once_and_keeps_a_refused_form(client, editor, receiver):
    client.force_login(editor)

    refused = client.post(
        "/webhooks/", {"url": "ftp://x", "description": "Dash", "events": ["claim.created"]}
    )
    made = client.post(
        "/webhooks/", {"url": receiver.url, "description": "Dash", "events": ["claim.created"]}
    )

    assert refused.status_code == 422
    assert refused.context["form"]["description"].value() == "Dash"
    assert "https://" in refused.content.decode()
    assert made.status_code == 201
    secret = WebhookSubscription.objects.get().secret
    assert secret in made.content.decode()
    assert secret not in client.get("/webhooks/").content.decode()
    assert secret not in json.dumps(list(AuditEvent.objects.values("changes")))


@pytest.mark.django_db
def test_send_a_test_event_from_the_page(client, editor, subscription, receiver):
    client.force_login(editor)

    stray = client.post(f"/webhooks/{subscription.pk}/test/")
    answer = client.post(f"/webhooks/{subscription.pk}/test/", {"send": "test"}, follow=True)

    assert stray.status_code == 400

    assert "The test event was delivered (answer 200)." in answer.content.decode()
    [(headers, body)] = receiver.received
    assert Webhook(subscription.secret).verify(body, headers)["type"] == "webhook.test"
    page = client.get(f"/webhooks/{subscription.pk}/").content.decode()
    assert "webhook.test" in page and "Delivered" in page


@pytest.mark.django_db
def test_only_editors_manage_webhooks(client, reviewer):
    client.force_login(reviewer)

    assert client.get("/webhooks/").status_code == 403
    with pytest.raises(services.NotAllowed):
        services.webhook_subscribe(
            actor=reviewer, url="https://x.example/", events=["claim.created"], secret="whsec_x"
        )


@pytest.mark.django_db
def test_the_audit_replays_with_tokens_and_subscriptions_in_it(editor, subscription):
    import io

    from django.core.management import call_command

    from tests.test_api import make_token

    make_token(editor)
    services.webhook_update(actor=editor, subscription=subscription, events=["claim.created"])
    services.webhook_delete(actor=editor, subscription=subscription)
    out = io.StringIO()

    call_command("verify_audit", "--replay", stdout=out)

    assert "intact" in out.getvalue()
