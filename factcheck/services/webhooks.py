"""Webhook subscriptions: made, changed, disabled and removed by editors, each audited."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from factcheck import audit
from factcheck.models import WebhookEventType, WebhookSubscription
from factcheck.services._base import DomainError, _authorize, service

# Whoever may sign off verdicts (an editor) decides what the desk tells other systems.
PERMISSION = "sign_off_claim"


def _url(url: str) -> str:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise DomainError(
            "The address must be a web address starting with https:// (or http://).", field="url"
        ) from None
    return url


def _events(events) -> list[str]:
    chosen = [str(event) for event in events or ()]
    unknown = sorted(set(chosen) - set(WebhookEventType.values))
    if unknown:
        raise DomainError(f"Unknown event {', '.join(unknown)}.", field="events")
    if not chosen:
        raise DomainError("Choose at least one event to be told of.", field="events")
    return [event for event in WebhookEventType.values if event in chosen]


def _record(actor, action: str, subscription: WebhookSubscription, changes: dict, reason=""):
    audit.record(
        actor=actor,
        action=action,
        object_type="webhook",
        object_id=subscription.pk,
        object_repr=str(subscription)[:300],
        changes=changes,
        reason=reason,
    )


@service
def webhook_subscribe(
    *, actor, url: str, events, description: str = "", secret: str
) -> WebhookSubscription:
    """Subscribe a URL to events; `secret` signs its deliveries (never recorded)."""
    _authorize(actor, "sign_off_claim")
    subscription = WebhookSubscription.objects.create(
        url=_url(url),
        events=_events(events),
        description=(description or "").strip()[:200],
        secret=secret,
        created_by=actor,
    )
    _record(
        actor,
        "webhook.subscribed",
        subscription,
        {"url": [None, subscription.url], "events": [None, subscription.events]},
    )
    return subscription


@service
def webhook_update(
    *, actor, subscription: WebhookSubscription, events=None, is_active: bool | None = None
) -> WebhookSubscription:
    """Change the events a subscription is told of, or enable or disable it."""
    _authorize(actor, "sign_off_claim")
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    changes = {}
    if events is not None:
        events = _events(events)
        if events != subscription.events:
            changes["events"] = [subscription.events, events]
            subscription.events = events
    if is_active is not None and is_active != subscription.is_active:
        changes["is_active"] = [subscription.is_active, is_active]
        subscription.is_active = is_active
        if is_active:
            # Enabled again: its count of failures starts afresh.
            subscription.failures = 0
            subscription.disabled_reason = ""
    if changes:
        subscription.save()
        _record(actor, "webhook.changed", subscription, changes)
    return subscription


@service
def webhook_disable(*, actor, subscription: WebhookSubscription, reason: str) -> None:
    """Stop sending to a subscription, saying why (the system does when deliveries keep failing)."""
    _authorize(actor, "sign_off_claim")
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if not subscription.is_active:
        return
    subscription.is_active = False
    subscription.disabled_reason = reason[:300]
    subscription.save(update_fields=["is_active", "disabled_reason"])
    _record(actor, "webhook.disabled", subscription, {"is_active": [True, False]}, reason)


@service
def webhook_delete(*, actor, subscription: WebhookSubscription) -> None:
    _authorize(actor, "sign_off_claim")
    _record(
        actor,
        "webhook.deleted",
        subscription,
        {"url": [subscription.url, None], "events": [subscription.events, None]},
    )
    subscription.delete()
