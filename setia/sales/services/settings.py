from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import require
from setia.core.audit import audit_changed, snapshot
from setia.core.errors import ApplicationError, validate_instance
from setia.core.models import check_closed_days
from setia.sales.models import SalesSettings
from setia.sales.services.checkout import sales_settings

FIELDS = [
    "tax_registered",
    "ppn_percent",
    "prices_include_tax",
    "cash_rounding",
    "receipt_footer",
    "opens_at",
    "closes_at",
    "closed_days",
]


@transaction.atomic
def sales_settings_update(*, actor: User, **fields: Any) -> SalesSettings:
    require(actor, "settings.manage")
    row = SalesSettings.objects.select_for_update().get(pk=sales_settings().pk)
    before = snapshot(row, FIELDS)
    for name, value in fields.items():
        if name not in FIELDS:
            raise ApplicationError(_("Unknown field: %(field)s") % {"field": name})
        setattr(row, name, value)
    if not 0 <= row.ppn_percent <= 100:
        message = _("The PPN rate must be between 0 and 100.")
        raise ApplicationError(message, {"ppn_percent": [message]})
    if row.closes_at <= row.opens_at:
        message = _("The closing time must be after the opening time.")
        raise ApplicationError(message, {"closes_at": [message]})
    row.closed_days = check_closed_days(row.closed_days)
    validate_instance(row)
    row.save()
    audit_changed(actor=actor, instance=row, before=before, fields=FIELDS)
    return row
