from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tandem.web"
    label = "web"

    def ready(self) -> None:
        # My-day sections, reminder and calendar sources of the domains register themselves on
        # import. Import them at start-up so a Celery worker (which never loads the URLconf)
        # runs the same reminder sources as the web process.
        from .billing import my_day as _billing  # noqa: F401
        from .my_day import sections as _sections  # noqa: F401
        from .work import my_day as _work  # noqa: F401
