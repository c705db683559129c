from django.apps import AppConfig


class ConsentAppConfig(AppConfig):
    name = "consent"
    verbose_name = "Cookie consent"
