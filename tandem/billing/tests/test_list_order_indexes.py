"""Issue 16: the big lists' default orders have an index in that order (migrations billing 0012,
work 0008), so that a page is an index walk instead of a sort of the agency's rows."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

EXPECTED = {
    ("billing_invoice", "invoice_agency_date_id"): ["agency_id", "date", "id"],
    ("billing_payment", "payment_agency_date_id"): ["agency_id", "date", "id"],
    ("work_task", "task_list_order"): ["deadline", "priority", "id"],
    ("work_timeentry", "timeentry_date_id_desc"): ["date", "id"],
}


def test_list_order_indexes_exist():
    with connection.cursor() as cursor:
        for (table, name), columns in EXPECTED.items():
            constraints = connection.introspection.get_constraints(cursor, table)
            assert name in constraints, (table, name)
            assert constraints[name]["index"] and constraints[name]["columns"] == columns
