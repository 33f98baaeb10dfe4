from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "tandem.clients"
    label = "clients"
    verbose_name = _("Клиенты")

    def ready(self) -> None:
        from tandem.org.deactivation import register_deactivation_check

        from .services import served_clients_block

        register_deactivation_check("clients.served_clients", served_clients_block)
