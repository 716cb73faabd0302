"""Receipts sent by email (the WhatsApp receipt is a click-to-chat link the cashier opens)."""

from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import business_settings, require
from setia.core.audit import audit_log
from setia.core.errors import ApplicationError
from setia.sales.models import Order
from setia.sales.services.checkout import sales_settings


def receipt_email(*, actor: User, order: Order) -> str:
    """Send the receipt to the customer's first email address (after the transaction commits)."""
    require(actor, "orders.view")
    email = order.customer.emails.first() if order.customer else None
    if email is None:
        message = _("The customer has no email address.")
        raise ApplicationError(message, {"email": [message]})
    business = business_settings()
    html = render_to_string(
        "sales/receipt.html",
        {"order": order, "size": "a4", "business": business, "footer": sales_settings().receipt_footer, "email": True},
    )
    mail = EmailMessage(
        subject=_("Receipt %(number)s from %(business)s") % {"number": order.number, "business": business.name},
        body=html,
        to=[email.email],
    )
    mail.content_subtype = "html"
    transaction.on_commit(mail.send)
    audit_log(actor=actor, action="other", instance=order, subject=order.customer, message=_("Receipt emailed"))
    return email.email
