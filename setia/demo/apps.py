from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data. Sits above every app (like `portal`) because it fills them all through their services."""

    name = "setia.demo"
    label = "demo"
