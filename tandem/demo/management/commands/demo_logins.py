from django.core.management.base import BaseCommand

from tandem.demo.context import DEMO_PASSWORD
from tandem.org.models import Employee
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
