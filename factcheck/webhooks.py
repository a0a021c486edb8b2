"""Webhooks: the desk's events POSTed to subscribers, signed as Standard Webhooks says.

A delivery is written in the transaction of the change it tells of (so a change rolled back
sends nothing), and sent by the task worker once that transaction has committed. A receiver
that fails is tried again later (10 s, 1 min, 5 min, 30 min, 2 h, 6 h); a subscription whose
deliveries fail ten times in a row is disabled, with the reason, until an editor enables it.
https://www.standardwebhooks.com/
"""

import base64
import datetime
import json
import secrets
import time

import httpx
from django.db import transaction
from django.tasks import default_task_backend, task
from django.utils import timezone
from standardwebhooks import Webhook

from factcheck import services
from factcheck.models import (
    AuditEvent,
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookEventType,
    WebhookSubscription,
)

# The audit action each event stands for.
EVENT_OF_ACTION = {
    "article.created": WebhookEventType.ARTICLE_IMPORTED,
    "suggestions.generated": WebhookEventType.SUGGESTIONS_READY,
    "claim.created": WebhookEventType.CLAIM_CREATED,
    "claim.status_changed": WebhookEventType.CLAIM_STATUS_CHANGED,
    "verdict.proposed": WebhookEventType.VERDICT_PROPOSED,
    "verdict.signed_off": WebhookEventType.VERDICT_SIGNED_OFF,
    "claim.reopened": WebhookEventType.VERDICT_REOPENED,
    "claim.published": WebhookEventType.VERDICT_PUBLISHED,
}
TEST_EVENT = "webhook.test"
RETRY_AFTER = [
    datetime.timedelta(seconds=10),
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=6),
]
DISABLE_AFTER = 10
TIMEOUT = 10


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes one: whsec_ and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def payload_of(event: AuditEvent, event_type: str) -> dict:
    return {
        "type": event_type,
        "timestamp": event.created_at.isoformat(),
        "data": {
            "audit_event": event.pk,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "object": event.object_repr,
            "article_id": event.article_id,
            "claim_id": event.claim_id,
            "actor": event.actor_name,
            "via": event.via,
            "changes": event.changes,
        },
    }


def queue(event: AuditEvent) -> None:
    """Write a delivery for each subscription to the event's type; send them after commit."""
    event_type = EVENT_OF_ACTION.get(event.action)
    if event_type is None:
        return
    subscriptions = [
        s for s in WebhookSubscription.objects.filter(is_active=True) if event_type in s.events
    ]
    if not subscriptions:
        return
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            subscription=subscription,
            message_id=f"msg_{secrets.token_hex(12)}",
            event_type=event_type,
            payload=payload_of(event, event_type),
        )
        for subscription in subscriptions
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: [deliver.enqueue(pk) for pk in ids])


def send_test(subscription: WebhookSubscription) -> WebhookDelivery:
    """Send a test event now, and return its delivery as it went."""
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        message_id=f"msg_{secrets.token_hex(12)}",
        event_type=TEST_EVENT,
        payload={
            "type": TEST_EVENT,
            "timestamp": timezone.now().isoformat(),
            "data": {"subscription": subscription.pk},
        },
    )
    return send(delivery)


@task()
def deliver(delivery_id: int) -> None:
    """Send one delivery (the task worker runs this)."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != WebhookDeliveryState.PENDING:
        return
    send(delivery)


def deliver_due(now: datetime.datetime | None = None) -> int:
    """Send every pending delivery whose time has come (for a backend that cannot defer)."""
    due = WebhookDelivery.objects.select_related("subscription").filter(
        state=WebhookDeliveryState.PENDING, next_attempt_at__lte=now or timezone.now()
    )
    count = 0
    for delivery in due.order_by("next_attempt_at", "id"):
        send(delivery)
        count += 1
    return count


def send(delivery: WebhookDelivery) -> WebhookDelivery:
    """POST the delivery, signed; record the answer; schedule a retry or give up."""
    subscription = delivery.subscription
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))
    sent_at = timezone.now()
    signature = Webhook(subscription.secret).sign(delivery.message_id, sent_at, body)
    headers = {
        "content-type": "application/json",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
        "user-agent": "factcheck-workbench-webhooks",
    }
    started = time.monotonic()
    status, answer, error = None, "", ""
    try:
        response = httpx.post(
            subscription.url, content=body.encode(), headers=headers, timeout=TIMEOUT
        )
        status, answer = response.status_code, response.text[:500]
    except httpx.HTTPError as failure:
        error = f"{type(failure).__name__}: {failure}"[:500]
    delivery.attempts += 1
    delivery.last_status = status
    delivery.last_answer = answer
    delivery.last_error = error
    delivery.last_duration_ms = int((time.monotonic() - started) * 1000)
    if status is not None and 200 <= status < 300:
        delivery.state = WebhookDeliveryState.DELIVERED
        delivery.delivered_at = timezone.now()
        WebhookSubscription.objects.filter(pk=subscription.pk).update(failures=0)
    else:
        _failed(delivery, subscription)
    delivery.save()
    return delivery


def _failed(delivery: WebhookDelivery, subscription: WebhookSubscription) -> None:
    if delivery.event_type == TEST_EVENT or delivery.attempts > len(RETRY_AFTER):
        delivery.state = WebhookDeliveryState.FAILED
    else:
        delivery.next_attempt_at = timezone.now() + RETRY_AFTER[delivery.attempts - 1]
        if default_task_backend.supports_defer:
            run_at = delivery.next_attempt_at
            transaction.on_commit(lambda: deliver.using(run_after=run_at).enqueue(delivery.pk))
    if delivery.event_type == TEST_EVENT:
        return
    failures = subscription.failures + 1
    WebhookSubscription.objects.filter(pk=subscription.pk).update(failures=failures)
    subscription.failures = failures
    if failures >= DISABLE_AFTER and subscription.is_active:
        why = delivery.last_error or f"answered {delivery.last_status}"
        services.webhook_disable(
            actor=None,
            subscription=subscription,
            reason=f"{failures} deliveries failed in a row; the last {why}",
        )
