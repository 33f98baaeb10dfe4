from django.core.management.base import BaseCommand

from tandem.demo.context import DEMO_AGENCY_NAME, DEMO_PASSWORD
from tandem.demo.portal import portal_demo_account
from tandem.org.models import Agency, Employee
from tandem.org.roles import Role

SHOWN = [Role.HEAD_OF_ACCOUNTS, Role.GROUP_HEAD, Role.ACCOUNT_MANAGER, Role.SPECIALIST, Role.FINANCE, Role.ADMIN]


class Command(BaseCommand):
    help = "Print demo logins, one per role."

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role in SHOWN:
            employee = Employee.objects.filter(role=role, is_active=True).select_related("user").order_by("pk").first()
            if employee:
                self.stdout.write(f"  {role.label:<28} {employee.user.username:<12} {employee.full_name}")
        self.stdout.write("  Django admin: admin / " + DEMO_PASSWORD + " (superuser)")
        agency = Agency.objects.filter(name=DEMO_AGENCY_NAME).first()
        account = portal_demo_account(agency.pk) if agency else None
        if account is not None:
            self.stdout.write(f"  Client portal (/portal/login/): {account.user.username} / {DEMO_PASSWORD} "
                              f"({account.contact.full_name}, {account.contact.client.display_name})")
