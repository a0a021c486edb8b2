"""The Webhooks pages: editors subscribe URLs to the desk's events and watch the deliveries."""

from django import forms
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from factcheck import services, webhooks
from factcheck.models import WebhookEventType, WebhookSubscription
from factcheck.services.webhooks import PERMISSION

# The deliveries a subscription's page lists, newest first.
LOG_SIZE = 50


class SubscriptionForm(forms.Form):
    url = forms.CharField(
        label="Address", max_length=2000, help_text="https://… that accepts a POST."
    )
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple
    )


class EventsForm(forms.Form):
    events = forms.MultipleChoiceField(
        choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple
    )


def _editor(request: HttpRequest) -> None:
    if not request.user.has_perm(f"factcheck.{PERMISSION}"):
        raise PermissionDenied("Only editors manage webhooks.")


def _refused(form: forms.Form, refusal: services.DomainError) -> None:
    form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)


@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    _editor(request)
    form = SubscriptionForm(request.POST or None)
    status, made = 200, None
    if request.method == "POST":
        status = 422
        if form.is_valid():
            secret = webhooks.new_secret()
            try:
                made = services.webhook_subscribe(
                    actor=request.user, secret=secret, **form.cleaned_data
                )
            except services.DomainError as refusal:
                _refused(form, refusal)
            else:
                status, form = 201, SubscriptionForm()
    context = {
        "form": form,
        "made": made,
        "subscriptions": WebhookSubscription.objects.all(),
    }
    answer = render(request, "factcheck/webhooks.html", context, status=status)
    answer["Cache-Control"] = "no-store"  # the new secret is on it
    return answer


@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, subscription_id: int) -> HttpResponse:
    _editor(request)
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    form = EventsForm(request.POST or None, initial={"events": subscription.events})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.webhook_update(
                    actor=request.user, subscription=subscription, **form.cleaned_data
                )
            except services.DomainError as refusal:
                _refused(form, refusal)
            else:
                messages.success(request, "The events were saved.")
                return redirect("webhook_detail", subscription.pk)
    context = {
        "subscription": subscription,
        "form": form,
        "deliveries": subscription.deliveries.all()[:LOG_SIZE],
    }
    return render(request, "factcheck/webhook_detail.html", context, status=status)


def _asked(request: HttpRequest, name: str, values: tuple[str, ...]) -> str:
    """The button's own value: a POST without it (a stray or replayed request) does nothing."""
    value = request.POST.get(name, "")
    if value not in values:
        raise BadRequest(f"Say what to do: {name} must be one of {', '.join(values)}.")
    return value


@require_POST
def webhook_test(request: HttpRequest, subscription_id: int) -> HttpResponse:
    _editor(request)
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    _asked(request, "send", ("test",))
    delivery = webhooks.send_test(subscription)
    if delivery.state == "delivered":
        messages.success(request, f"The test event was delivered (answer {delivery.last_status}).")
    else:
        why = delivery.last_error or f"answer {delivery.last_status}"
        messages.error(request, f"The test event was not delivered: {why}.")
    return redirect("webhook_detail", subscription.pk)


@require_POST
def webhook_toggle(request: HttpRequest, subscription_id: int) -> HttpResponse:
    _editor(request)
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    # The state asked for, not a flip: a form sent twice leaves it as asked.
    wanted = _asked(request, "to", ("enable", "disable"))
    services.webhook_update(
        actor=request.user, subscription=subscription, is_active=wanted == "enable"
    )
    return redirect("webhook_detail", subscription.pk)


@require_POST
def webhook_delete(request: HttpRequest, subscription_id: int) -> HttpResponse:
    _editor(request)
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    _asked(request, "confirm", ("delete",))
    services.webhook_delete(actor=request.user, subscription=subscription)
    messages.success(request, f"No more events go to {subscription.url}.")
    return redirect("webhook_list")
