"""The sales domain's models, one module per area: orders and bookings (the cashier), leads,
the opportunity pipeline, quotes, renewals (subscriptions) and activities."""

from setia.sales.models.activities import Activity, DigestDelivery
from setia.sales.models.drivers import Driver
from setia.sales.models.imports import OrderImport
from setia.sales.models.leads import Lead, LeadAssignmentRule, LeadSource, RoundRobinCursor
from setia.sales.models.orders import (
    PAID_STATUSES,
    Appointment,
    Order,
    OrderLine,
    Payment,
    Refund,
    SalesSettings,
    Trip,
)
from setia.sales.models.pipeline import LostReason, Opportunity, OpportunityLine, Pipeline, Stage, StageChange
from setia.sales.models.quotes import Quote, QuoteLine
from setia.sales.models.renewals import Subscription

__all__ = [
    "PAID_STATUSES",
    "Activity",
    "Appointment",
    "DigestDelivery",
    "Driver",
    "Lead",
    "LeadAssignmentRule",
    "LeadSource",
    "LostReason",
    "Opportunity",
    "OpportunityLine",
    "Order",
    "OrderImport",
    "OrderLine",
    "Payment",
    "Pipeline",
    "Quote",
    "QuoteLine",
    "Refund",
    "RoundRobinCursor",
    "SalesSettings",
    "Stage",
    "StageChange",
    "Subscription",
    "Trip",
]
