"""Reads of the web imports of past orders: the owner (and anyone who sees every branch) sees all
of them; a manager sees the ones she started (an import's file and bad rows name customers of
any branch)."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import branch_scope, require
from setia.core.errors import NotFoundError
from setia.sales.models import OrderImport


def visible_order_imports(actor: User) -> QuerySet[OrderImport]:
    require(actor, "orders.import")
    imports = OrderImport.objects.select_related("created_by", "branch")
    return imports if branch_scope(actor).all_branches else imports.filter(created_by=actor)


def order_import_get(*, actor: User, pk: int) -> OrderImport:
    record = visible_order_imports(actor).filter(pk=pk).first()
    if record is None:
        raise NotFoundError(_("Import not found."))
    return record
