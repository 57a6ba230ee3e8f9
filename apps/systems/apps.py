from django.apps import AppConfig


class SystemsConfig(AppConfig):
    name = "apps.systems"
