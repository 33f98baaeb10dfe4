from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "tandem.org"
    label = "org"
    verbose_name = _("Организация")

    def ready(self) -> None:
        from . import auth_cache  # noqa: F401 - registers the signal receivers that drop cached tokens
