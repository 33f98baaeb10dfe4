from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "tandem.comms"
    label = "comms"
