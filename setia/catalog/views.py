"""Catalogue pages: the product list, the product form, the categories. Thin: parse, call a
service or selector, render."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from setia.accounts.decorators import staff_view
from setia.accounts.models import Branch, User
from setia.accounts.selectors import require
from setia.catalog import selectors, services
from setia.catalog.forms import CategoryForm, ProductForm
from setia.catalog.models import Product
from setia.core.errors import ApplicationError
from setia.core.forms import add_application_error
from setia.core.pagination import keyset_page, parse_id

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _sort_choices() -> list[tuple[str, str]]:
    return [
        ("name", _("Name A to Z")),
        ("-name", _("Name Z to A")),
        ("price", _("Price: low to high")),
        ("-price", _("Price: high to low")),
        ("-created", _("Newest first")),
    ]


@staff_view("catalog.view")
def product_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    status = request.GET.get("status", "active")
    active = {"active": True, "archived": False}.get(status)
    kind = request.GET.get("kind", "")
    sort = request.GET.get("sort", "name")
    filters: dict[str, Any] = {
        "query": request.GET.get("q", "").strip()[:100],
        "category_id": parse_id(request.GET.get("category")),
        "kind": kind if kind in Product.Kind.values else "",
        "active": active,
        "branch_id": parse_id(request.GET.get("branch")),
    }
    products = selectors.product_list(actor=actor, **filters)
    order = selectors.PRODUCT_ORDERS.get(sort, selectors.PRODUCT_ORDERS["name"])
    page = keyset_page(products, order=order, cursor=request.GET.get("after", ""), size=PAGE_SIZE)
    query_string = request.GET.copy()
    query_string.pop("after", None)
    context = {
        "nav_key": "catalog",
        "page": page,
        "filters": filters,
        "status": status if status in ("active", "archived", "all") else "active",
        "sort": sort if sort in selectors.PRODUCT_ORDERS else "name",
        "sort_choices": _sort_choices(),
        "kinds": Product.Kind.choices,
        "categories": selectors.category_list(actor=actor),
        "branches": Branch.objects.filter(is_active=True).order_by("name"),
        "query_string": query_string.urlencode(),
        "filtered": any(request.GET.get(name) for name in ("q", "category", "kind", "branch")) or status != "active",
    }
    template = "catalog/product_list.html#results" if request.htmx else "catalog/product_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _product_form(request: HttpRequest, product: Product | None) -> HttpResponse:
    actor = _actor(request)
    form = ProductForm(request.POST or None, product=product)
    if request.method == "POST" and form.is_valid():
        try:
            if product is None:
                saved = services.product_create(actor=actor, **form.values())
                messages.success(request, _("%(name)s added to the catalogue.") % {"name": saved.name})
            else:
                saved = services.product_update(actor=actor, product=product, **form.values())
                messages.success(request, _("Changes to %(name)s saved.") % {"name": saved.name})
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return redirect("catalog:product_list")
    return render(request, "catalog/product_form.html", {"nav_key": "catalog", "form": form, "product": product})


@staff_view("catalog.manage")
def product_create(request: HttpRequest) -> HttpResponse:
    return _product_form(request, None)


@staff_view("catalog.manage")
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _product_form(request, selectors.product_get(actor=_actor(request), pk=pk))


@require_POST
@staff_view("catalog.manage")
def product_archive(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    product = selectors.product_get(actor=actor, pk=pk)
    archive = product.is_active
    services.product_archive(actor=actor, product=product, archived=archive)
    message = _("%(name)s archived: no longer on sale.") if archive else _("%(name)s is on sale again.")
    messages.success(request, message % {"name": product.name})
    return redirect("catalog:product_edit", pk=product.pk)


@staff_view("catalog.view")
def category_list(request: HttpRequest) -> HttpResponse:
    """The categories, with a form to add one (for those who manage the catalogue)."""
    actor = _actor(request)
    form = CategoryForm(request.POST or None)
    if request.method == "POST":
        require(actor, "catalog.manage")  # viewers may read this page, not post to it (403)
        if form.is_valid():
            try:
                category = services.category_create(actor=actor, name=form.cleaned_data["name"])
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(request, _("Category %(name)s added.") % {"name": category.name})
                return redirect("catalog:category_list")
    context: dict[str, Any] = {
        "nav_key": "catalog",
        "form": form,
        "categories": selectors.category_list(actor=actor),
    }
    return render(request, "catalog/category_list.html", context)


@staff_view("catalog.manage")
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    category = selectors.category_get(actor=actor, pk=pk)
    form = CategoryForm(request.POST or None, initial={"name": category.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.category_update(actor=actor, category=category, name=form.cleaned_data["name"])
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Category %(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("catalog:category_list")
    return render(request, "catalog/category_form.html", {"nav_key": "catalog", "form": form, "category": category})


@require_POST
@staff_view("catalog.manage")
def category_archive(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    category = selectors.category_get(actor=actor, pk=pk)
    archive = category.is_active
    services.category_archive(actor=actor, category=category, archived=archive)
    message = _("Category %(name)s archived.") if archive else _("Category %(name)s restored.")
    messages.success(request, message % {"name": category.name})
    return redirect("catalog:category_list")
