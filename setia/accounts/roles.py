"""Roles and what each may do. Permissions are capabilities checked in services and selectors.

Front office works in one branch and sees that branch's customers; managers see the branches
they manage; back office and owners see every branch (see `selectors.branch_scope`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner / administrator")
    MANAGER = "manager", _("Manager")
    MARKETING = "marketing", _("Marketing")
    ANALYST = "analyst", _("Analyst")
    CASHIER = "cashier", _("Cashier / receptionist")
    CALL_AGENT = "call_agent", _("Call agent")
    SALES = "sales", _("Sales")
    SERVICE_AGENT = "service_agent", _("Service agent")


FRONT_OFFICE = frozenset({Role.CASHIER, Role.CALL_AGENT, Role.SALES, Role.SERVICE_AGENT})
BACK_OFFICE = frozenset({Role.MARKETING, Role.ANALYST})
ALL_ROLES = frozenset(Role)

# Capability → roles holding it. Later apps add their capabilities here.
CAPABILITIES: dict[str, frozenset[str]] = {
    "dashboard.view": ALL_ROLES,
    "search.use": ALL_ROLES,
    "staff.view": frozenset({Role.OWNER, Role.MANAGER}),
    "staff.manage": frozenset({Role.OWNER}),
    "branches.view": frozenset({Role.OWNER, Role.MANAGER}),
    "branches.manage": frozenset({Role.OWNER}),
    "teams.manage": frozenset({Role.OWNER, Role.MANAGER}),
    "settings.manage": frozenset({Role.OWNER}),
    "audit.view": frozenset({Role.OWNER}),
    "jobs.view": frozenset({Role.OWNER}),
    "api_keys.use": ALL_ROLES,
    # customers
    "customers.view": ALL_ROLES,
    "customers.edit": ALL_ROLES - {Role.ANALYST},
    "customers.fields": frozenset({Role.OWNER}),
    "customers.export": frozenset({Role.OWNER, Role.MANAGER, Role.MARKETING, Role.ANALYST}),
    "customers.import": frozenset({Role.OWNER, Role.MANAGER, Role.MARKETING}),
    "customers.merge": frozenset({Role.OWNER, Role.MANAGER}),
    "calls.answer": frozenset(
        {Role.OWNER, Role.MANAGER, Role.CALL_AGENT, Role.CASHIER, Role.SERVICE_AGENT, Role.SALES}
    ),
    # catalogue
    "catalog.view": ALL_ROLES,
    "catalog.manage": frozenset({Role.OWNER, Role.MANAGER}),
    # loyalty
    "loyalty.view": ALL_ROLES,
    "loyalty.enrol": ALL_ROLES - {Role.ANALYST},
    "loyalty.redeem": frozenset({Role.OWNER, Role.MANAGER, Role.CASHIER, Role.CALL_AGENT, Role.SALES}),
    "loyalty.adjust": frozenset({Role.OWNER, Role.MANAGER}),
    "loyalty.manage": frozenset({Role.OWNER, Role.MANAGER, Role.MARKETING}),
    # sales (orders, bookings, the cashier screen)
    "orders.view": ALL_ROLES,
    "orders.create": frozenset({Role.OWNER, Role.MANAGER, Role.CASHIER, Role.CALL_AGENT, Role.SALES}),
    "orders.refund": frozenset({Role.OWNER, Role.MANAGER}),
    "orders.import": frozenset({Role.OWNER, Role.MANAGER}),
    "bookings.manage": frozenset({Role.OWNER, Role.MANAGER, Role.CASHIER, Role.CALL_AGENT}),
    # sales CRM: leads, pipeline, quotes, renewals, activities, figures
    "leads.view": frozenset({Role.OWNER, Role.MANAGER, Role.SALES, Role.MARKETING, Role.CALL_AGENT}),
    "leads.edit": frozenset({Role.OWNER, Role.MANAGER, Role.SALES, Role.MARKETING, Role.CALL_AGENT}),
    "leads.import": frozenset({Role.OWNER, Role.MANAGER, Role.MARKETING}),
    "opportunities.view": frozenset({Role.OWNER, Role.MANAGER, Role.SALES, Role.ANALYST}),
    "opportunities.edit": frozenset({Role.OWNER, Role.MANAGER, Role.SALES}),
    "quotes.view": frozenset({Role.OWNER, Role.MANAGER, Role.SALES, Role.ANALYST}),
    "quotes.edit": frozenset({Role.OWNER, Role.MANAGER, Role.SALES}),
    "subscriptions.view": frozenset({Role.OWNER, Role.MANAGER, Role.SALES, Role.ANALYST, Role.CASHIER}),
    "subscriptions.edit": frozenset({Role.OWNER, Role.MANAGER, Role.SALES}),
    "activities.use": ALL_ROLES - {Role.ANALYST},
    "sales.figures": frozenset({Role.OWNER, Role.MANAGER, Role.ANALYST, Role.SALES}),
    "sales.configure": frozenset({Role.OWNER, Role.MANAGER}),
    # customer analytics (RFM, lifetime value, loyalty index)
    "analytics.view": frozenset({Role.OWNER, Role.MANAGER, Role.MARKETING, Role.ANALYST}),
    "analytics.run": frozenset({Role.OWNER, Role.MANAGER, Role.ANALYST}),
    # segments
    "segments.view": frozenset({Role.OWNER, Role.MANAGER, Role.MARKETING, Role.ANALYST}),
    "segments.edit": frozenset({Role.OWNER, Role.MANAGER, Role.MARKETING, Role.ANALYST}),
}


def role_group(role: str) -> str:
    if role in FRONT_OFFICE:
        return "front_office"
    if role in BACK_OFFICE:
        return "back_office"
    return str(role)


def role_has(role: str, capability: str) -> bool:
    return role in CAPABILITIES.get(capability, frozenset())
