import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote as url_quote
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from setia.accounts.decorators import staff_view
from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope, require
from setia.catalog.models import Product
from setia.catalog.selectors import product_search
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.forms import add_application_error
from setia.core.money import format_rupiah, parse_whole
from setia.core.pagination import keyset_page, parse_id
from setia.customers.models import Customer
from setia.customers.selectors import card_elsewhere, customer_get, phone_prefix, search_customers
from setia.loyalty.selectors import referral_invite, referral_rewarded_by
from setia.loyalty.services import ledger, purchases, vouchers
from setia.loyalty.services import membership as membership_service
from setia.sales import selectors
from setia.sales.forms import SalesSettingsForm
from setia.sales.models import Order, Payment
from setia.sales.offers import offers_for
from setia.sales.selectors.appointments import stylist_still_there
from setia.sales.selectors.refunds import as_paid
from setia.sales.services import bookings, checkout, receipts, refunds
from setia.sales.services.checkout import LineIn, PaymentIn, sales_settings


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _branches(actor: User) -> list[Branch]:
    return list(branch_scope(actor).filter(Branch.objects.filter(is_active=True), field="pk").order_by("name"))


def _branch(actor: User, value: str | None) -> Branch:
    branches = _branches(actor)
    chosen = parse_id(value)
    for branch in branches:
        if branch.pk == chosen:
            return branch
    for branch in branches:
        if branch.pk == actor.branch_id:
            return branch
    if not branches:
        raise NotFoundError(_("No branch is open to you."))
    return branches[0]


def _branch_for(actor: User, value: str | None, customer: Customer | None) -> Branch:
    """The branch chosen; else, for someone not bound to one branch (the owner) opening a form
    from a customer's page, her own branch (where she is a member and her addresses are), rather
    than the first of the list; else the actor's."""
    if not value and actor.branch_id is None and customer is not None and customer.home_branch_id:
        value = str(customer.home_branch_id)
    return _branch(actor, value)


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int((value or "").strip() or default)
    except ValueError:
        return default


def _whole(value: str | None, default: int = 0) -> int | None:
    """A number the user typed ("150000", "150.000", "Rp 150.000"; a minus sign is kept for the
    services to refuse in their words); `default` when left empty, None when it is not a whole
    number ("1.5" is refused, not read as 15)."""
    text = (value or "").strip()[:30]
    return parse_whole(text) if text else default


def _amount(value: str | None, label: str) -> int:
    """A Rupiah amount from a form, or an error that names the field."""
    amount = _whole(value)
    if amount is None:
        raise _not_whole(label, value or "")
    return amount


def _not_whole(label: str, value: str, count: bool = False) -> ApplicationError:
    """`count`: a number of things (items, points), not Rupiah: the example given is one."""
    message = (
        _("%(field)s: “%(value)s” is not a whole number; type e.g. 2.")
        if count
        else _("%(field)s: “%(value)s” is not a whole number; type e.g. 150000 or 150.000.")
    )
    return ApplicationError(message % {"field": label, "value": value.strip()[:30]})


# --- Cashier ----------------------------------------------------------------------------------


def _cart(data: Any) -> tuple[list[LineIn], list[tuple[str, str]], list[PaymentIn], list[str]]:
    """The cart as posted: its lines and payments, each with the message about what was typed in
    it ("" when it reads as a whole number; a line's with the quantity as typed, to show it again).
    What does not read is 0 here, never a guess."""
    lines: list[LineIn] = []
    line_problems: list[tuple[str, str]] = []
    for product, quantity, price, description, staff in zip(
        data.getlist("line_product"),
        data.getlist("line_quantity"),
        data.getlist("line_price"),
        data.getlist("line_description"),
        data.getlist("line_staff"),
        strict=False,
    ):
        count, unit_price = _whole(quantity, 1), _whole(price) if price.strip() else None
        problem = ""
        if count is None:
            label = _("Item %(number)s: quantity") % {"number": len(lines) + 1}
            problem = _not_whole(label, quantity, count=True).message
        elif price.strip() and unit_price is None:
            problem = _not_whole(_("Item %(number)s: price") % {"number": len(lines) + 1}, price).message
        lines.append(
            LineIn(
                product_id=parse_id(product),
                quantity=count or 0,
                unit_price=unit_price,
                description=description,
                staff_id=parse_id(staff),
            )
        )
        line_problems.append((problem, quantity.strip()[:30] if count is None else ""))
    payments: list[PaymentIn] = []
    payment_problems: list[str] = []
    for method, typed in zip(data.getlist("pay_method"), data.getlist("pay_amount"), strict=False):
        amount = _whole(typed)
        payments.append(PaymentIn(method=method, amount=amount or 0))
        payment_problems.append("" if amount is not None else _not_whole(_("Amount received"), typed).message)
    return lines, line_problems, payments, payment_problems


@staff_view("orders.create")
def cashier(request: HttpRequest) -> HttpResponseBase:
    """The counter: find the member, add items, apply vouchers and points, take payment."""
    actor = _actor(request)
    data = request.POST if request.method == "POST" else request.GET
    customer: Customer | None = None
    customer_id = parse_id(data.get("set_customer") or data.get("customer"))
    if customer_id and data.get("action") != "clear_customer":
        customer = customer_get(actor=actor, pk=customer_id)
    branch = _branch_for(actor, data.get("branch"), customer)
    lines, line_problems, payments, payment_problems = _cart(data) if request.method == "POST" else ([], [], [], [])
    # Checking out an appointment here (from the calendar): her, its branch, its service with its
    # stylist in the sale, and paying closes the appointment. Changing the customer lets it go.
    appointment = (
        selectors.appointment_for_till(actor=actor, pk=parse_id(data.get("appointment")), customer_id=customer_id)
        if data.get("action") != "clear_customer"
        else None
    )
    if appointment is not None:
        customer, branch = appointment.order.customer, appointment.order.branch
        if request.method == "GET":
            service, stylist = appointment.service, stylist_still_there(appointment)
            # Her stylist, unless gone from the branch since the booking: the cashier chooses who served.
            lines = [LineIn(service.pk, 1, service.price, service.name, stylist.pk if stylist else None)]
            line_problems = [("", "")]
    action = data.get("action", "")
    error: ApplicationError | None = None
    if action == "pay" and appointment is None and data.get("appointment"):
        # Paid already (a double click) or no longer hers: never a second sale of the same visit.
        error = ApplicationError(_("This appointment is already closed."))
    if action.startswith("add:"):
        product = Product.objects.filter(pk=parse_id(action[4:]) or 0, is_active=True).first()
        if product is not None:
            for line in lines:
                if line.product_id == product.pk and line.unit_price in (None, product.price) and line.quantity:
                    line.quantity += 1
                    break
            else:
                lines.append(
                    LineIn(product_id=product.pk, quantity=1, unit_price=product.price, description=product.name)
                )
                line_problems.append(("", ""))
    elif action.startswith("remove:"):
        index = _int(action[7:], -1)
        if 0 <= index < len(lines):
            lines.pop(index)
            line_problems.pop(index)
    elif action == "add_payment":
        payments.append(PaymentIn(method=Payment.Method.QRIS, amount=0))
        payment_problems.append("")
    joined = None
    if action == "join" and customer is not None:
        # She joins at the counter: the cart stays, and this sale already earns as a member's.
        try:
            joined = membership_service.membership_join(actor=actor, customer=customer, branch=branch)
        except ApplicationError as failure:
            error = failure
    if not payments:
        payments, payment_problems = [PaymentIn(method=Payment.Method.CASH, amount=0)], [""]
    voucher_code = (data.get("use_voucher") or data.get("voucher_code", "")).strip()
    # What was typed and does not read as a whole number: named at its field, left out of the bill.
    problems = {f"lines[{n}]": problem for n, (problem, _typed) in enumerate(line_problems, start=1) if problem}
    points, cashback = _whole(data.get("points")), _whole(data.get("cashback"))
    if points is None:
        problems["points"] = _not_whole(_("Points"), data.get("points", ""), count=True).message
    if cashback is None:
        problems["cashback"] = _not_whole(_("Cashback"), data.get("cashback", "")).message
    points, cashback = points or 0, cashback or 0
    result = None
    typed = [p for p in payments if p.amount]
    if any(key.startswith("lines[") for key in problems):
        # A line that cannot be priced: marked, and the bill waits for it (as for one the quote refuses).
        error = ApplicationError(next(iter(problems.values())), {key: [problems[key]] for key in problems})
    elif lines:
        try:
            # A bad points, cashback or payment amount is left out of the pricing and named in
            # `result.errors`: the bill stays as it was and "Pay" waits for the correction.
            result = checkout.quote(
                branch=branch,
                customer=customer,
                lines=lines,
                voucher_code=voucher_code,
                points=points,
                cashback=cashback,
                payments=typed or None,
                exact_method=payments[0].method if len(payments) == 1 and not typed else "",
            )
        except ApplicationError as failure:
            error = failure
    if result is not None:
        result.errors.update({key: problems[key] for key in ("points", "cashback") if key in problems})
        if any(payment_problems):
            # Shown at its row (`_payment_rows`); here so that "Pay" waits for it.
            result.errors["payments[typed]"] = next(problem for problem in payment_problems if problem)
    if action == "pay" and result is not None and result.errors:
        error = ApplicationError(next(iter(result.errors.values())), {k: [v] for k, v in result.errors.items()})
    if action == "pay" and result is not None and error is None:
        paying = [p for p in payments if p.amount > 0]
        if len(payments) == 1 and not paying and result.to_pay:
            paying = [checkout.exact_payment(result, payments[0].method)]  # no amount typed
        try:
            if appointment is not None:
                order = bookings.appointment_checkout(
                    actor=actor,
                    appointment=appointment,
                    payments=paying,
                    lines=lines,
                    voucher_code=voucher_code,
                    points=points,
                    cashback=cashback,
                )
            else:
                order, _created = checkout.checkout(
                    actor=actor,
                    branch=branch,
                    customer=customer,
                    lines=lines,
                    payments=paying,
                    voucher_code=voucher_code,
                    points=points,
                    cashback=cashback,
                    idempotency_key=data.get("sale_key") or None,
                )
        except ApplicationError as failure:
            error = failure
        else:
            messages.success(request, _("Sale %(number)s recorded.") % {"number": order.number})
            if request.htmx:  # type: ignore[attr-defined]
                return HttpResponseClientRedirect(reverse("sales:order_detail", args=[order.pk]))
            return redirect("sales:order_detail", pk=order.pk)
    membership = purchases.membership_of(customer.pk) if customer else None
    member = checkout.member_here(membership, customer, branch)
    # Points past their date (the nightly expiry takes them): shown apart, not spendable.
    standing = ledger.points_standing(member) if member else None
    # Another branch's member where branches do not share customers: said, and served as a guest.
    elsewhere = customer.home_branch if customer and membership and member is None else None
    member_elsewhere = elsewhere.name if elsewhere is not None else ""
    field_errors = result.errors if result is not None else {}
    shown_at_field = {"points", "cashback"} if member else set()
    context = {
        "nav_key": "cashier",
        "branch": branch,
        "branches": _branches(actor),
        "customer": customer,
        "appointment": appointment,
        "customer_chosen": bool(data.get("set_customer")),  # the search results close
        "member": member,
        "standing": standing,  # points she can pay with, and those past their date
        "member_elsewhere": member_elsewhere,
        "joined": joined,  # the card she was given just now
        "member_codes": vouchers.codes_for_customer(customer) if customer else [],
        "lines": lines,
        "typed_quantities": [typed for _problem, typed in line_problems],  # shown again where unreadable
        "payments": payments,
        "methods": [(value, label) for value, label in Payment.Method.choices if value in checkout.MONEY_METHODS],
        "voucher_code": voucher_code,
        "points": data.get("points", "").strip()[:30] if "points" in problems else points or "",
        "cashback": data.get("cashback", "").strip()[:30] if "cashback" in problems else cashback or "",
        "quote": result,
        "error": error,
        "field_errors": field_errors,
        # Messages for a field the screen does not show (points typed before the customer changed).
        "other_errors": [
            message
            for key, message in field_errors.items()
            if key not in shown_at_field and not key.startswith("payments")
        ],
        # A line that cannot be priced ("lines[2].quantity"): marked; the bill waits for it (no amounts).
        "bad_lines": {
            _int(key[6:].split("]")[0], 0) for key in (error.extra if error else {}) if key.startswith("lines[")
        },
        "payment_rows": _payment_rows(payments, payment_problems, result),
        "staff": User.objects.filter(is_active=True, branch=branch).order_by("first_name", "username"),
        "sale_key": data.get("sale_key") or _new_sale_key(),
        "point_value": purchases.loyalty_settings().point_value,
        "offers": offers_for(customer, [line.product_id for line in lines if line.product_id]),
    }
    template = "sales/cashier.html#cart" if request.htmx else "sales/cashier.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _payment_rows(
    payments: list[PaymentIn], problems: list[str], result: checkout.Quote | None
) -> list[dict[str, Any]]:
    """The payment rows as typed, each with the message about it ("" when it is fine): what was
    typed in it, else the quote's. The quote numbers the payments that have an amount; rows left
    empty are skipped in that count."""
    errors = result.errors if result is not None else {}
    rows, number = [], 0
    for payment, problem in zip(payments, problems, strict=True):
        message = problem
        if payment.amount:
            number += 1
            where = f"payments[{number}]"
            message = errors.get(f"{where}.amount") or errors.get(f"{where}.method") or ""
        rows.append({"method": payment.method, "amount": payment.amount, "error": message})
    return rows


def _new_sale_key() -> str:
    """One key per sale on the screen: a double-clicked "Pay" records one order."""
    return f"cashier-{secrets.token_hex(12)}"


@staff_view("orders.create")
def cashier_find_customer(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    query = request.GET.get("find", "").strip()
    found = search_customers(actor=actor, query=query, limit=8) if len(query) >= 2 else []
    is_phone = bool(phone_prefix(query))
    # A friend shows the member's invitation at the counter: its referral code is no customer,
    # but "New customer" can start her membership with it.
    invite = referral_invite(query) if query.isalnum() and not found and not is_phone else None
    branch = _branch_for(actor, request.GET.get("branch"), None)
    till = f"{reverse('sales:cashier')}?{urlencode({'branch': branch.pk})}"
    new_customer = {"phone" if is_phone else "name": query} if query and not invite else {}
    if invite is not None:
        new_customer["ref"] = invite.code
    new_customer.update({"source": Customer.Source.WALK_IN, "home_branch": str(branch.pk), "next": till})
    context = {
        "found": found,
        "query": query,
        "query_is_phone": is_phone,
        "card_branch": card_elsewhere(actor=actor, number=query) if query and not found else "",
        "invite": invite,
        "new_customer_url": f"{reverse('customers:create')}?{urlencode(new_customer)}",
    }
    return render(request, "sales/cashier_customers.html", context)


@staff_view("orders.create")
def cashier_find_product(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    branch = _branch(actor, request.GET.get("branch"))
    query = request.GET.get("product_q", "")
    found = product_search(actor=actor, branch_id=branch.pk, query=query, limit=12)
    return render(request, "sales/cashier_products.html", {"found": found, "query": query})


# --- Orders -----------------------------------------------------------------------------------


@staff_view("orders.view")
def order_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = {
        "branch_id": parse_id(request.GET.get("branch")),
        "status": request.GET.get("status", ""),
        "kind": request.GET.get("kind", ""),
        "customer_id": parse_id(request.GET.get("customer")),
        "query": request.GET.get("q", ""),
    }
    orders = selectors.order_list(actor=actor, **filters)  # type: ignore[arg-type]
    page = keyset_page(orders, order=("-placed_at", "-id"), cursor=request.GET.get("after", ""), size=50)
    query_string = request.GET.copy()
    query_string.pop("after", None)
    context = {
        "nav_key": "orders",
        "page": page,
        "hidden_customers": selectors.customers_out_of_view(actor=actor, orders=page.rows),
        "filters": filters,
        "branches": _branches(actor),
        "statuses": Order.Status.choices,
        "kinds": selectors.order_kinds_in_use(actor, selected=str(filters["kind"])),
        "query_string": query_string.urlencode(),
        "filtered": any(filters.values()),
    }
    template = "sales/order_list.html#results" if request.htmx else "sales/order_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


PAY_ROWS = 2  # the payment card offers one payment, or a split into two


def _pay_rows(data: Any, order: Order) -> list[dict[str, str]]:
    """The payment card's rows as typed (or the defaults: the whole total, by the first method)."""
    methods, amounts, references = (data.getlist(name) for name in ("pay_method", "pay_amount", "pay_reference"))
    rows = []
    for index in range(PAY_ROWS):
        rows.append(
            {
                "method": methods[index] if index < len(methods) else ("qris" if index else "cash"),
                "amount": amounts[index] if index < len(amounts) else ("" if index else str(order.total)),
                "reference": references[index] if index < len(references) else "",
                "invalid": "",
            }
        )
    return rows


def _pay_payments(rows: list[dict[str, str]], order: Order) -> list[PaymentIn]:
    """Parse the payment rows; a row with no amount is left out. The prefilled total left as it is
    on a single payment means "exactly what is due", as an empty amount does at the cashier:
    in cash that is the total rounded to the cash step."""
    payments = []
    for number, row in enumerate(rows, start=1):
        if not row["amount"].strip():
            continue
        amount = _whole(row["amount"])
        if amount is None or amount < 0:
            message = _("Payment %(number)s: enter the amount in whole Rupiah.") % {"number": number}
            raise ApplicationError(message, {f"payments[{number}].amount": [message]})
        payments.append(PaymentIn(method=row["method"], amount=amount, reference=row["reference"].strip()))
    if not payments:
        message = _("Enter the amount paid.")
        raise ApplicationError(message, {"payments[1].amount": [message]})
    if len(payments) == 1 and payments[0].amount == order.total and payments[0].method == Payment.Method.CASH:
        payments[0].amount = checkout.round_cash(order.total, sales_settings().cash_rounding)
    return payments


@staff_view("orders.view")
def order_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = _actor(request)
    order = selectors.order_get(actor=actor, pk=pk)
    pay_error: ApplicationError | None = None
    pay_rows = _pay_rows(request.POST, order)
    if request.method == "POST":
        require(actor, "orders.create")
        try:
            payments = _pay_payments(pay_rows, order)
            paid = checkout.order_pay(actor=actor, order=order, payments=payments)
        except ApplicationError as failure:
            pay_error = failure
            for number, row in enumerate(pay_rows, start=1):
                # The field the message names is marked; a short total marks the amounts.
                row["invalid"] = " ".join(
                    part
                    for part in ("method", "amount")
                    if f"payments[{number}].{part}" in failure.extra
                    or (part == "amount" and "payments" in failure.extra)
                )
        else:
            change = sum(p.amount for p in payments) - sum(
                p.amount for p in paid.payments.all() if p.method in checkout.MONEY_METHODS
            )
            message = _("Payment for order %(number)s recorded.") % {"number": paid.number}
            if change:
                message += " " + _("Change: %(amount)s.") % {"amount": format_rupiah(change)}
            messages.success(request, message)
            return redirect("sales:order_detail", pk=order.pk)
    return _order_page(request, actor, order, pay_rows=pay_rows, pay_error=pay_error)


def _order_page(
    request: HttpRequest,
    actor: User,
    order: Order,
    *,
    pay_rows: list[dict[str, str]],
    pay_error: ApplicationError | None = None,
    refund: "RefundForm | None" = None,
) -> HttpResponse:
    """The order page, with the payment card and the refund form as typed (and why they were refused)."""
    refund = refund or RefundForm.blank(order)
    receipt = receipts.has_receipt(order)
    hidden = bool(selectors.customers_out_of_view(actor=actor, orders=[order]))
    known = order.customer if not hidden else None  # her contacts and codes stay in her branch
    phone = known.phones.first() if known and receipt else None
    whatsapp = (
        f"https://wa.me/{phone.number.lstrip('+')}?text={url_quote(receipts.receipt_text(order))}" if phone else ""
    )
    cash_step = sales_settings().cash_rounding
    received, change = receipts.cash_received(list(order.payments.all()))
    context = {
        "nav_key": "orders",
        "order": order,
        "discounts": receipts.order_discounts(order),
        "cash_received": received,
        "change": change,
        "receipt": receipt,
        "whatsapp": whatsapp,
        "email": known.emails.first() if known and receipt else None,
        "customer_hidden": hidden,
        "trip": getattr(order, "trip", None) if order.kind == Order.Kind.TRIP else None,
        "tax_added": receipts.tax_added(order),
        "refunds": receipts.refund_lines(order),
        "rewards": receipts.order_rewards(order, codes=not hidden),
        "referral": (
            referral_rewarded_by(actor=actor, source=order.source)
            if known and actor.has_capability("loyalty.view")
            else None
        ),
        "refundable": order.total - order.refunded_total,
        "refund": refund,
        "can_pay": order.status == Order.Status.PLACED and actor.has_capability("orders.create"),
        "pay_rows": pay_rows,
        "pay_error": pay_error,
        "cash_total": checkout.round_cash(order.total, cash_step),
        "methods": [(value, label) for value, label in Payment.Method.choices if value in checkout.MONEY_METHODS],
    }
    failed = pay_error is not None or refund.error is not None
    return render(request, "sales/order_detail.html", context, status=400 if failed else 200)


@staff_view("orders.view")
def order_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get(actor=_actor(request), pk=pk)
    if not receipts.has_receipt(order):
        raise NotFoundError(_("A receipt is printed once the order is paid."))
    size = request.GET.get("size", "80")
    if size not in ("58", "80", "a4"):
        size = "80"
    hidden = bool(selectors.customers_out_of_view(actor=_actor(request), orders=[order]))
    return render(request, "sales/receipt.html", receipts.receipt_context(order, size, customer_hidden=hidden))


@require_POST
@staff_view("orders.view")
def order_receipt_email(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get(actor=_actor(request), pk=pk)
    try:
        address = receipts.receipt_email(actor=_actor(request), order=order)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("Receipt sent to %(email)s.") % {"email": address})
    return redirect("sales:order_detail", pk=pk)


@dataclass
class RefundForm:
    """The refund card as typed: how many of each item to take back, or an amount, and why."""

    lines: list[dict[str, Any]]  # {"line": OrderLine, "left": int, "value": str, "invalid": bool}
    amount: str = ""
    reason: str = ""
    error: ApplicationError | None = None
    invalid: frozenset[str] = frozenset()
    preview: receipts.RefundLine | None = None  # the refund as it would be recorded, to confirm

    @classmethod
    def blank(cls, order: Order) -> "RefundForm":
        return cls.read(order, {})

    @classmethod
    def read(cls, order: Order, data: Any) -> "RefundForm":
        lines = [
            {
                "line": line,
                "left": line.quantity - line.refunded_quantity,
                "value": (data.get(f"line_{line.pk}") or "").strip()[:10],
                "invalid": False,
            }
            for line in order.lines.all()
            if line.quantity > line.refunded_quantity
        ]
        return cls(lines=lines, amount=(data.get("amount") or "").strip()[:30], reason=(data.get("reason") or "")[:255])

    def quantities(self) -> dict[int, int] | None:
        """The items chosen (line id -> how many); an item left empty or at 0 is not taken back."""
        chosen = {}
        for row in self.lines:
            if not row["value"]:
                continue
            quantity = _whole(row["value"])
            if quantity is None or quantity < 0:
                message = _("%(item)s: enter how many to take back, between 1 and %(left)s.") % {
                    "item": row["line"].description,
                    "left": row["left"],
                }
                raise ApplicationError(message, {"lines": [message]})
            if quantity:
                chosen[row["line"].pk] = quantity
        return chosen or None

    def refused(self, failure: ApplicationError) -> None:
        """Keep why it was refused and mark the fields it names (the items that do not read or are too many)."""
        self.error = failure
        self.invalid = frozenset(failure.extra)
        for row in self.lines:
            quantity = _whole(row["value"]) if row["value"] else 0
            row["invalid"] = "lines" in failure.extra and (quantity is None or not 0 <= quantity <= row["left"])


@require_POST
@staff_view("orders.refund")
def order_refund(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    order = selectors.order_get(actor=actor, pk=pk)
    form = RefundForm.read(order, request.POST)
    try:
        lines = form.quantities()
        amount = _amount(form.amount, _("Refund amount")) if form.amount else None
        preview = refunds.refund_preview(actor=actor, order=order, amount=amount, lines=lines, reason=form.reason)
        if refunds.confirm_first(preview) and request.POST.get("confirm_amount") != str(preview.amount):
            form.preview = receipts.RefundLine(
                timezone.now(),
                preview.amount,
                form.reason,
                "",
                [],
                as_paid(order, preview.promotions_lost),
                preview.promotions_note,
            )
            return _order_page(request, actor, order, pay_rows=_pay_rows(QueryDict(), order), refund=form)
        refunds.order_refund(
            actor=actor, order=order, amount=amount, lines=lines, reason=form.reason, expected=preview.amount
        )
    except ApplicationError as failure:
        if not failure.extra:  # the amount did not read as a whole number
            failure = ApplicationError(failure.message, {"amount": [failure.message]})
        form.refused(failure)
        return _order_page(request, actor, order, pay_rows=_pay_rows(QueryDict(), order), refund=form)
    messages.success(request, _("Refund recorded."))
    return redirect("sales:order_detail", pk=pk)


# --- Settings ---------------------------------------------------------------------------------


@staff_view("settings.manage")
def settings_view(request: HttpRequest) -> HttpResponseBase:
    from setia.sales.services.settings import sales_settings_update

    current = sales_settings()
    form = SalesSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            sales_settings_update(actor=_actor(request), **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("sales:settings")
    return render(request, "sales/settings.html", {"nav_key": "sales_settings", "form": form})
