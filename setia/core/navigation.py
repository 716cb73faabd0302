"""The product's navigation, assembled from sections that apps register in `AppConfig.ready`.

A section appears only for users holding its capability, so a role never sees a dead link.
`core` does not know about roles: it asks the user object `has_capability(name)`.

An `optional` section is a part of the product some businesses do not use (a salon has no taxi
trips): the business settings list them, and one the business switched off is left out of the
navigation (the user object's `unused_sections`). Its pages still answer; only the way in is hidden.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.urls import reverse


class Group(StrEnum):
    MAIN = "main"
    ADMIN = "admin"


@dataclass(frozen=True)
class Section:
    key: str
    label: Any  # a lazy translation
    url_name: str
    icon: str
    order: int
    capability: str | None = None
    group: Group = Group.MAIN
    optional: bool = False


_sections: dict[str, Section] = {}


def register_section(section: Section) -> None:
    _sections[section.key] = section


def sections_for(user: Any) -> list[dict[str, Any]]:
    """The sections `user` may open, in display order, with their URLs resolved."""
    if not getattr(user, "is_authenticated", False):
        return []
    visible = []
    unused: frozenset[str] = getattr(user, "unused_sections", frozenset())
    for section in sorted(_sections.values(), key=lambda s: s.order):
        if section.capability and not user.has_capability(section.capability):
            continue
        if section.optional and section.key in unused:
            continue
        visible.append(
            {
                "key": section.key,
                "label": section.label,
                "url": reverse(section.url_name),
                "icon": section.icon,
                "group": section.group.value,
            }
        )
    return visible


def optional_sections() -> list[Section]:
    """The parts of the product a business may switch off, in navigation order."""
    return sorted((s for s in _sections.values() if s.optional), key=lambda s: s.order)
