"""Occasions for My day: contacts' birthdays and clients' anniversaries in the coming week,
visible clients only, 29 February in a common year, churned clients left out."""

from __future__ import annotations

from datetime import date

import pytest

from tandem.clients.models import ChurnReason, LifecycleStatus
from tandem.clients.selectors import occasions_ahead
from tandem.clients.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _serve(client, since=None, status=LifecycleStatus.ACTIVE):
    client.status = status
    client.churn_reason = ChurnReason.BUDGET if status == LifecycleStatus.CHURNED else ""
    client.served_since = since
    client.save()


def test_birthdays_in_the_week_soonest_first_with_age(org):
    _serve(org.client_a)
    later = ContactFactory(client=org.client_a, full_name="Поздний", birthday=date(1980, 12, 9))
    today_one = ContactFactory(client=org.client_a, full_name="Сегодня", birthday=date(1990, 12, 3))
    ContactFactory(client=org.client_a, full_name="Через месяц", birthday=date(1990, 1, 5))
    ContactFactory(client=org.client_a, full_name="Ушёл", birthday=date(1990, 12, 4), is_active=False)

    found = occasions_ahead(actor=org.am1.user, today=date(2026, 12, 3))

    assert [(o.contact.full_name, o.on, o.years) for o in found] == [
        (today_one.full_name, date(2026, 12, 3), 36), (later.full_name, date(2026, 12, 9), 46)]


def test_window_crosses_the_new_year(org):
    _serve(org.client_a)
    ContactFactory(client=org.client_a, full_name="Новогодний", birthday=date(1985, 1, 2))

    found = occasions_ahead(actor=org.am1.user, today=date(2026, 12, 29))

    assert [(o.contact.full_name, o.on) for o in found] == [("Новогодний", date(2027, 1, 2))]


def test_leap_day_birthday_is_celebrated_on_28_february_in_a_common_year(org):
    _serve(org.client_a)
    ContactFactory(client=org.client_a, full_name="Високосный", birthday=date(1992, 2, 29))

    found = occasions_ahead(actor=org.am1.user, today=date(2027, 2, 25))

    assert [(o.contact.full_name, o.on) for o in found] == [("Високосный", date(2027, 2, 28))]


def test_anniversary_of_served_since_counts_whole_years(org):
    _serve(org.client_a, since=date(2023, 12, 5))
    _serve(org.client_b, since=date(2026, 12, 4))  # starts tomorrow: not an anniversary

    found = occasions_ahead(actor=org.head.user, today=date(2026, 12, 3))

    assert [(o.kind, o.client.pk, o.years) for o in found] == [("anniversary", org.client_a.pk, 3)]


def test_only_visible_served_clients(org):
    _serve(org.client_a, status=LifecycleStatus.CHURNED)
    ContactFactory(client=org.client_a, birthday=date(1990, 12, 3))
    _serve(org.client_b)
    ContactFactory(client=org.client_b, full_name="Чужой", birthday=date(1990, 12, 3))

    mine = occasions_ahead(actor=org.am1.user, today=date(2026, 12, 3))
    outsider = occasions_ahead(actor=org.outsider.user, today=date(2026, 12, 3))

    assert all(o.client.pk != org.client_a.pk for o in mine)
    assert outsider == []
