"""A walk-in joins as she is added: the loyalty block of the new-customer form opened from the
till (registered with `customers.panels` in `LoyaltyConfig.ready`)."""

from urllib.parse import urlsplit

from django import forms
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.customers.models import Customer
from setia.customers.services import customer_update
from setia.loyalty.forms import WalkInJoinForm
from setia.loyalty.services.membership import membership_join

# The till by its URL name only: loyalty sits below sales and imports nothing of it.
TILL = "sales:cashier"


def opened_from_the_till(request: HttpRequest) -> bool:
    """The till's "New customer" link: `?source=walk_in&next=<the till>` (a POST goes back to the
    same address, so the query string still says so)."""
    if request.GET.get("source") != Customer.Source.WALK_IN:
        return False
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target.startswith("/"):
        return False
    try:
        return resolve(urlsplit(target).path).view_name == TILL
    except Resolver404:
        return False


def join_form(request: HttpRequest) -> WalkInJoinForm | None:
    """Offered at the till to staff who may enrol members; None elsewhere."""
    may_enrol = getattr(request.user, "has_capability", lambda _name: False)("loyalty.enrol")
    if not may_enrol or not opened_from_the_till(request):
        return None
    data = request.POST if request.method == "POST" else None
    code = request.GET.get("ref", "")[:16]
    # A friend's code brought from the till: she joins with it unless the box is unticked.
    return WalkInJoinForm(data, initial={"referral_code": code, "join_member": bool(code)})


def join_save(request: HttpRequest, customer: Customer, form: forms.Form) -> str | None:
    """Inside the transaction creating `customer`: her card, linked to the friend's code. A code
    the programme refuses raises, naming `referral_code`, and undoes the customer too."""
    if not form.cleaned_data["join_member"]:
        return None
    actor: User = request.user  # type: ignore[assignment]
    joined = membership_join(actor=actor, customer=customer, referral_code=form.cleaned_data["referral_code"])
    referred = hasattr(joined, "referral") and customer.source == Customer.Source.WALK_IN
    if referred and actor.has_capability("customers.edit"):
        # A friend brought her: that is how she found the business, not the walk-in the till assumed.
        customer = customer_update(
            actor=actor, customer=customer, version=customer.version, source=Customer.Source.REFERRAL
        )
    return _("%(name)s joined: card %(number)s.") % {"name": customer.name, "number": joined.number}
