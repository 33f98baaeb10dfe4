"""`manage.py personal_data export|erase --contact ID --actor LOGIN --reason "…" [--format json|xlsx|pdf] [--out FILE]`

The same services as the admin page and the API (tandem.privacy.services): the actor must be an
administrator of the contact's agency, and the action is recorded in the personal-data journal.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.clients.models import Contact
from tandem.core.errors import ApplicationError
from tandem.org.models import User
from tandem.privacy import services


class Command(BaseCommand):
    help = "Export or erase (anonymise) a contact person's personal data (152-ФЗ), recorded in the journal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("--contact", type=int, required=True)
        parser.add_argument("--actor", required=True, help="login of an administrator of the agency")
        parser.add_argument("--reason", required=True, help="whose request and when it was received")
        parser.add_argument("--format", choices=list(services.EXPORT_FORMATS), default="json")
        parser.add_argument("--out", help="file to write the export to (default: standard output, JSON only)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["actor"], is_active=True).first()
        contact = Contact.objects.select_related("client").filter(pk=options["contact"]).first()
        if actor is None:
            raise CommandError(f"No active user {options['actor']!r}.")
        if contact is None:
            raise CommandError(f"No contact #{options['contact']}.")
        try:
            if options["action"] == "erase":
                services.contact_erase(actor=actor, contact=contact, reason=options["reason"])
                self.stdout.write(f"Contact #{contact.pk} anonymised.")
                return
            data = services.contact_data_export(actor=actor, contact=contact, reason=options["reason"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        except ApplicationError as exc:
            raise CommandError(exc.message or "Not allowed.") from None
        body, _mime, _ext = services.export_render(data, file_format=options["format"])
        if options["out"]:
            with open(options["out"], "wb") as fh:
                fh.write(body)
            self.stdout.write(f"Written {options['out']}.")
        elif options["format"] != "json":
            raise CommandError(f"{options['format'].upper()} needs --out FILE.")
        else:
            sys.stdout.buffer.write(body)
