"""Pages for pipeline."""

from django.urls import URLPattern

from setia.core.navigation import Section

urlpatterns: list[URLPattern] = []
NAVIGATION: list[Section] = []
