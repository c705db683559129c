from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark's app: no models, a management command and one view (see bench/__init__.py)."""

    name = "bench"
    verbose_name = "Benchmark tooling"
