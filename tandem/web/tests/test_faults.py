"""Faults: Redis (broker and cache) down, and an import interrupted in the middle.

Redis down is simulated with URLs pointing at a closed port (127.0.0.1:1): connecting is refused
at once, as when the Redis process is stopped.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.cache import caches
from django.urls import reverse

from tandem.comms.models import Escalation, Priority
from tandem.comms.services import request_create
from tandem.notifications.models import NotificationDelivery
from tandem.notifications.tasks import retry_due_deliveries_task

CLOSED = "redis://127.0.0.1:1/0"
celery_app = retry_due_deliveries_task.app  # the project's Celery app (config.celery)


@pytest.fixture
def broker_down():
    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url", "task_publish_retry",
                                            "broker_connection_timeout", "broker_connection_retry")}
    celery_app.conf.update(task_always_eager=False, broker_url=CLOSED, task_publish_retry=False,
                           broker_connection_timeout=1, broker_connection_retry=False)
    _reset_pools()
    yield
    celery_app.conf.update(saved)
    _reset_pools()


def _reset_pools() -> None:
    """Forget the broker connections, so that the next publish connects to the current broker_url."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def req(org):
    org.group_head.user.email = "gh@tandem.test"
    org.group_head.user.save()
    return request_create(actor=org.am1.user, client=org.client_a, data={
        "subject": "Сайт лежит", "priority": Priority.CRITICAL,
        "received_at": datetime(2025, 11, 5, 10, 0, tzinfo=ZoneInfo("Europe/Moscow")),
    })


def test_broker_down_the_page_answers_and_the_notification_is_sent_once_when_it_is_back(
    org, req, web_client_for, broker_down, django_capture_on_commit_callbacks, caplog,
):
    web = web_client_for(org.am1)

    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(reverse("web:request_escalate", args=[req.pk]), {"level": "1"})

    assert response.status_code == 302
    assert Escalation.objects.filter(request=req, notified=org.group_head).count() == 1
    delivery = NotificationDelivery.objects.get(notification__recipient=org.group_head)
    assert delivery.status == NotificationDelivery.Status.PENDING
    assert "broker unreachable" in caplog.text
    assert mail.outbox == []
    assert web.get(reverse("web:request_detail", args=[req.pk])).status_code == 200


def test_after_the_broker_is_back_the_sweep_sends_the_pending_delivery_once(org, req, web_client_for, broker_down,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        web_client_for(org.am1).post(reverse("web:request_escalate", args=[req.pk]), {"level": "1"})
    celery_app.conf.update(task_always_eager=True)  # the broker and the worker are back

    retry_due_deliveries_task.delay()
    retry_due_deliveries_task.delay()  # the sweep runs again (or a killed worker re-runs it)

    assert NotificationDelivery.objects.get(notification__recipient=org.group_head).status == "sent"
    assert len(mail.outbox) == 1


def test_cache_down_api_and_pages_still_answer(org, api_client_for, web_client_for, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED}}
    settings.API_THROTTLE_RATES = {"burst": "20/s", "sustained": "600/min", "anon": "60/min"}
    caches._settings = None  # type: ignore[attr-defined]  # re-read CACHES
    try:
        api = api_client_for(org.am1).get("/api/v1/clients/")
        page = web_client_for(org.am1).get("/clients/")
    finally:
        caches.close_all()

    assert api.status_code == 200
    assert page.status_code == 200


def test_cache_down_sessions_in_the_cache_fall_back_to_the_database(org, web_client_for, settings):
    """With REDIS_URL the sessions live in the cache with the database behind
    (tandem.core.sessions); Redis unreachable must not stop anyone signing in, working or
    signing out."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED}}
    settings.SESSION_ENGINE = "tandem.core.sessions"
    caches._settings = None  # type: ignore[attr-defined]  # re-read CACHES
    try:
        web = web_client_for(org.am1)
        page = web.get("/clients/")
        out = web.post("/logout/")
        after = web.get("/clients/")
    finally:
        caches.close_all()

    assert page.status_code == 200 and out.status_code == 302
    assert after.status_code == 302 and "/login/" in after["Location"]
