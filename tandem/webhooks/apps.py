from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "tandem.webhooks"
    label = "webhooks"
    verbose_name = "Вебхуки"

    def ready(self) -> None:
        from tandem.core.events import register_sink

        from .services import record_event

        register_sink("webhooks", record_event)
