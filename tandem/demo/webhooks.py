"""Demo webhooks: one endpoint for the agency's CRM, switched off (the demo has no receiving
system; an admin enters a real address, switches it on and presses «Отправить тест»)."""

from __future__ import annotations

from tandem.org.models import Employee
from tandem.org.roles import Role
from tandem.webhooks import services
from tandem.webhooks.models import WebhookEndpoint

from .context import DemoContext


def seed(ctx: DemoContext) -> None:
    if WebhookEndpoint.objects.filter(agency=ctx.agency).exists():
        ctx.log("webhooks: already there, skipped")
        return
    admin = Employee.objects.filter(agency=ctx.agency, role=Role.ADMIN, is_active=True).select_related("user").first()
    if admin is None:
        ctx.log("webhooks: no admin, skipped")
        return
    endpoint, _secret = services.endpoint_create(
        actor=admin.user, url="https://crm.example.com/hooks/tandem",
        events=["invoice.issued", "invoice.paid", "payment.received", "client.status_changed", "request.created"],
        description="CRM отдела продаж: оплаты и статусы клиентов (демо — включите с адресом своей системы)",
    )
    services.endpoint_update(actor=admin.user, endpoint=endpoint, url=endpoint.url, events=endpoint.events,
                             description=endpoint.description, is_active=False)
    ctx.log("webhooks: one endpoint (switched off)")
