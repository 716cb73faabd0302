import pytest

from setia.conftest import Business, client_for
from setia.core.errors import ApplicationError, PermissionDeniedError
from setia.core.models import AuditEvent
from setia.customers.merge import _handlers, customers_merge, duplicate_scan, register_merge_handler
from setia.customers.models import Customer, DuplicateCandidate
from setia.customers.selectors import customer_get
from setia.customers.services import AddressIn, ContactPoints, PhoneIn, consent_record, customer_create, customer_update


def _pair(business: Business) -> tuple[Customer, Customer]:
    first = customer_create(
        actor=business.owner,
        name="Siti Aminah",
        home_branch=business.branch_a,
        occupation="Guru",
        contacts=ContactPoints(phones=[PhoneIn("0812-1111-2222")], emails=["siti@example.com"]),
    )
    second = customer_create(
        actor=business.owner,
        name="Siti Aminah",
        home_branch=business.branch_a,
        external_id="POS-9",
        contacts=ContactPoints(
            phones=[PhoneIn("+62 812 1111 2222"), PhoneIn("0857-3333-4444")],
            addresses=[AddressIn(line="Jl. Kemang 1", district_id="31.74.01")],
        ),
    )
    customer_update(actor=business.owner, customer=second, version=1, occupation="Dosen")
    return first, second


def test_scan_finds_shared_phone_once(business: Business) -> None:
    first, second = _pair(business)
    assert duplicate_scan() == 1
    candidate = DuplicateCandidate.objects.get()
    assert (candidate.first_id, candidate.second_id, candidate.reason) == (first.pk, second.pk, "phone")
    assert duplicate_scan() == 0  # a second scan adds nothing


def test_merge_moves_everything_and_the_old_id_resolves(business: Business) -> None:
    first, second = _pair(business)
    consent_record(
        actor=business.owner,
        customer=second,
        channel="whatsapp",
        purpose="marketing",
        granted=True,
        source="staff",
        notice_version="v1",
    )
    moved: list[int] = []
    register_merge_handler("test-later-app", lambda survivor, merged, actor: moved.append(merged.pk))
    try:
        survivor = customers_merge(
            actor=business.manager, survivor=first, merged=second, take_from_merged=["occupation"]
        )
    finally:
        _handlers.pop("test-later-app")
    assert moved == [second.pk]
    survivor.refresh_from_db()
    assert survivor.occupation == "Dosen" and survivor.external_id == "POS-9"
    assert sorted(survivor.phones.values_list("number", flat=True)) == ["+6281211112222", "+6285733334444"]
    assert survivor.addresses.count() == 1 and survivor.consents.count() == 1
    assert customer_get(actor=business.manager, pk=second.pk) == survivor
    second.refresh_from_db()
    assert second.merged_into == survivor and second.external_id is None
    # The merged-away customer's history is on the survivor's timeline, and the merge is audited.
    assert AuditEvent.objects.filter(subject_key=f"customers.customer:{survivor.pk}", object_id=str(second.pk)).exists()
    assert AuditEvent.objects.filter(actor=business.manager, message="Merged customer #%(id)s into this one").exists()


def test_merge_refusals_change_nothing(business: Business) -> None:
    first, second = _pair(business)
    with pytest.raises(PermissionDeniedError):
        customers_merge(actor=business.cashier_a, survivor=first, merged=second)
    with pytest.raises(ApplicationError):
        customers_merge(actor=business.owner, survivor=first, merged=first)
    other = customer_create(actor=business.owner, name="Lain", home_branch=business.branch_b)
    with pytest.raises(ApplicationError):
        customers_merge(actor=business.manager, survivor=first, merged=other)  # not in the manager's branches
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0


def test_merge_screen_keeps_the_right_record_and_values(business: Business) -> None:
    first, second = _pair(business)
    client = client_for(business.owner)
    page = client.get(f"/customers/merge/?a={first.pk}&b={second.pk}")
    assert page.status_code == 200 and "Dosen" in page.content.decode()
    response = client.post("/customers/merge/", {"a": first.pk, "b": second.pk, "survivor": "b", "take": []})
    assert response.status_code == 302 and response["Location"] == f"/customers/{second.pk}/"
    second.refresh_from_db()
    assert second.occupation == "Guru"  # the left value, not ticked away
    assert client.get(f"/customers/{first.pk}/")["Location"] == f"/customers/{second.pk}/"


def test_duplicate_pages_per_role(business: Business) -> None:
    assert client_for(business.cashier_a).get("/customers/duplicates/").status_code == 403
    assert client_for(business.manager).get("/customers/duplicates/").status_code == 200
    assert client_for(None).get("/customers/merge/?a=1&b=2").status_code == 302


def test_the_duplicate_scan_runs_every_night() -> None:
    from config.schedule import SCHEDULE

    job = next(job for job in SCHEDULE if job.task_path == "setia.customers.tasks.scan_duplicates")
    assert job.cron == "0 1 * * *"
