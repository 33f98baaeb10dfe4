"""invoice_search: by number, only among invoices whose money the actor sees."""

from __future__ import annotations

import pytest

from tandem.billing.selectors import invoice_search
from tandem.billing.tests.helpers import issued_invoice

pytestmark = pytest.mark.django_db
SEES_A = {"head", "finance", "admin", "group_head", "am1"}


@pytest.mark.parametrize("role", ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "outsider"])
def test_invoice_found_by_number_for_those_who_see_its_money(money, role):
    invoice = issued_invoice(money.finance, money.client_a, "1000.00")
    assert invoice.number

    found = invoice_search(actor=money.by_role_name(role).user, query=invoice.number[-3:])

    assert found == ([invoice] if role in SEES_A else [])


def test_drafts_without_number_are_not_searched(money):
    issued = issued_invoice(money.finance, money.client_a, "1000.00")

    assert invoice_search(actor=money.head.user, query="") == []
    assert invoice_search(actor=money.head.user, query=issued.number) == [issued]
