"""Changing the analytics settings (RFM window, lifetime value time unit and hold-out period,
thresholds of the cross-sell rules)."""

from typing import Any

from django.db import transaction

from setia.accounts.selectors import require
from setia.analytics.models import AnalyticsSettings
from setia.core.audit import audit_log, diff, snapshot
from setia.core.errors import validate_instance

FIELDS = ("rfm_window_days", "clv_time_unit", "clv_holdout_days", "rules_min_count", "rules_min_confidence")


@transaction.atomic
def analytics_settings_update(*, actor: Any, **values: Any) -> AnalyticsSettings:
    require(actor, "analytics.run")
    options, _created = AnalyticsSettings.objects.select_for_update().get_or_create(pk=1)
    before = snapshot(options, FIELDS)
    for name in FIELDS:
        if name in values:
            setattr(options, name, values[name])
    validate_instance(options)
    changes = diff(before, snapshot(options, FIELDS))
    if changes:
        options.save()
        audit_log(actor=actor, action="analytics.settings", instance=options, changes=changes)
    return options
