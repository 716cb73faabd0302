"""The lifetime value fit on the CDNOW sample reproduces the published parameters (2 significant
figures), starting from orders in the database and going through the `clv_fit` command."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from setia.accounts.models import Branch
from setia.analytics.tests import factories

DATA = Path(__file__).parent / "data" / "CDNOW_sample.txt"


def _significant(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}g}"


@pytest.fixture
def cdnow(db: None) -> int:
    branch = Branch.objects.create(name="CDNOW", code="cd")
    rows = []
    ids: dict[str, int] = {}
    lines = DATA.read_text().split("\n")
    for line in lines:
        if line.strip():
            cust, _full_id, date, _cds, value = line.split()
            ids.setdefault(cust, 0)
            rows.append((cust, dt.date(int(date[:4]), int(date[4:6]), int(date[6:])), round(float(value) * 100)))
    made = factories.customers(len(ids), prefix="CDNOW")
    for key, customer in zip(sorted(ids), made, strict=True):
        ids[key] = customer.pk
    # Dollars are stored as cents in the whole-number money columns, so v comes out in cents.
    factories.bulk_orders([(ids[cust], day, cents) for cust, day, cents in rows], branch=branch)
    return len(ids)


def test_cdnow_parameters_match_the_published_estimates(cdnow: int) -> None:
    out = io.StringIO()
    call_command("clv_fit", "--calibration-end", "1997-09-30", "--time-unit", "week", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert cdnow == 2357
    assert result["customers"] == 2357
    assert result["repeat_customers"] == 946  # customers with x > 0 in the published summary
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74}
    for name, value in published.items():
        assert _significant(result[name]) == _significant(value), (name, result[name])
    assert _significant(result["v"] / 100) == _significant(15.44)
    # Fitted on 39 weeks; the rest of the data (to June 1998) is the hold-out check.
    assert result["calibration_start"] == "1997-01-01"
    assert result["holdout"]["holdout_start"] == "1997-10-01"
    assert result["holdout"]["actual_repeat_purchases"] > 0
