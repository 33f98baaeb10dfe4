"""My day «Поздравить»: a contact's birthday today and a client's anniversary this week."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.clients.models import LifecycleStatus
from tandem.clients.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_am_sees_birthday_and_anniversary(org, web_client_for):
    today = timezone.localdate()
    org.client_a.status = LifecycleStatus.ACTIVE
    org.client_a.served_since = (today + timedelta(days=2)).replace(year=today.year - 3)
    org.client_a.save()
    ContactFactory(client=org.client_a, full_name="Ирина Именинница", birthday=date(1990, today.month, today.day)
                   if (today.month, today.day) != (2, 29) else date(1992, 2, 29))

    html = web_client_for(org.am1).get(reverse("web:my_day")).content.decode()

    assert 'id="occasions"' in html and "Ирина Именинница" in html and "день рождения сегодня" in html
    assert "3-я годовщина сотрудничества" in html


def test_section_hidden_when_nothing_to_celebrate(org, web_client_for):
    html = web_client_for(org.am1).get(reverse("web:my_day")).content.decode()

    assert 'id="occasions"' not in html
