"""Importing past orders from the web: upload a CSV, read the check, confirm, follow the import.
Linked from the orders list ("Import past orders"); `orders.import` (owner, manager)."""

from typing import Any

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy

from setia.accounts.decorators import staff_view
from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope
from setia.core.errors import ApplicationError
from setia.core.forms import StyledFormMixin, add_application_error
from setia.core.navigation import Section
from setia.sales.selectors.order_imports import order_import_get, visible_order_imports
from setia.sales.services import imports, order_imports

NAVIGATION: list[Section] = []


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    branch = forms.ModelChoiceField(
        queryset=Branch.objects.none(),
        required=False,  # a request without one takes the default, as the command does
        empty_label=None,
        label=gettext_lazy("Branch of rows without one"),
        help_text=gettext_lazy("Rows may name their branch in a “branch” column (its code); others go here."),
    )
    create_missing_customers = forms.BooleanField(
        required=False,
        label=gettext_lazy("Create missing customers"),
        help_text=gettext_lazy(
            "A customer_ref that matches nobody creates a customer holding only that external id, marked as "
            "imported without contact details. Otherwise such rows are errors."
        ),
    )
    apply_loyalty = forms.BooleanField(
        required=False,
        label=gettext_lazy("Give points and rewards"),
        help_text=gettext_lazy("Off: history is recorded without earning points or firing rewards."),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The branches the importer may see (the import refuses the others too).
        branches = branch_scope(actor).filter(Branch.objects.filter(is_active=True), field="pk")
        self.fields["branch"].queryset = branches.order_by("name")  # type: ignore[attr-defined]
        # Chosen to begin with: the branch the import takes when none is chosen (the command's
        # default), named, rather than "the first branch" of a list in another order.
        self.fields["branch"].initial = branches.order_by("pk").first()


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@staff_view("orders.import")
def order_import_start(request: HttpRequest) -> HttpResponseBase:
    form = UploadForm(request.POST if request.method == "POST" else None, request.FILES or None, actor=_actor(request))
    if request.method == "POST" and form.is_valid():
        try:
            record = order_imports.order_import_upload(
                actor=_actor(request),
                uploaded=form.cleaned_data["file"],
                **{name: form.cleaned_data[name] for name in ("branch", "create_missing_customers", "apply_loyalty")},
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return redirect("sales:order_import_detail", pk=record.pk)
    context = {
        "nav_key": "orders",
        "form": form,
        "required": imports.REQUIRED,
        "optional": imports.OPTIONAL,
        "recent": visible_order_imports(_actor(request))[:10],
    }
    return render(request, "sales/order_import/start.html", context)


@staff_view("orders.import")
def order_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = order_import_get(actor=_actor(request), pk=pk)
    error = ""
    if request.method == "POST":
        try:
            order_imports.order_import_confirm(
                actor=_actor(request), record=record, skip_invalid=request.POST.get("skip_invalid") == "1"
            )
        except ApplicationError as problem:
            error = problem.message
        else:
            return redirect("sales:order_import_detail", pk=record.pk)
        record.refresh_from_db()
    context = {"nav_key": "orders", "job": record, "error": error, "figures": record.result}
    template = "sales/order_import/detail.html"
    if request.htmx and not error:  # type: ignore[attr-defined]
        template += "#status"
    return render(request, template, context)


@staff_view("orders.import")
def order_import_report(request: HttpRequest, pk: int) -> FileResponse:
    record = order_import_get(actor=_actor(request), pk=pk)
    report = order_imports.order_import_report(actor=_actor(request), record=record)
    name = f"{record.original_name.rsplit('.', 1)[0]}-skipped-rows.csv"
    return FileResponse(report.open("rb"), as_attachment=True, filename=name, content_type="text/csv")


urlpatterns = [
    path("orders/import/", order_import_start, name="order_import_start"),
    path("orders/import/<int:pk>/", order_import_detail, name="order_import_detail"),
    path("orders/import/<int:pk>/report/", order_import_report, name="order_import_report"),
]
