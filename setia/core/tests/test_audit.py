import ast
from typing import Any

import pytest

from setia.accounts.services import branch_create, branch_update
from setia.conftest import Business, client_for
from setia.core.audit import REDACTED, audit_redact_subject, diff
from setia.core.models import AuditEvent


def test_diff_lists_only_changed_fields() -> None:
    assert diff({"name": "A", "city": "X"}, {"name": "B", "city": "X"}) == {"name": ["A", "B"]}
    assert diff({}, {"name": "A"}) == {"name": [None, "A"]}


def test_service_write_records_who_what_when_and_before_after(business: Business) -> None:
    branch = branch_create(actor=business.owner, name="Tunjungan", code="tjg", city="KOTA SURABAYA")
    branch_update(actor=business.owner, branch=branch, name="Tunjungan Plaza", city="KOTA SURABAYA")
    events = list(AuditEvent.objects.filter(object_type="accounts.branch", object_id=str(branch.pk)).order_by("id"))
    assert [e.action for e in events] == ["create", "update"]
    assert events[0].actor == business.owner
    assert events[0].changes["name"] == [None, "Tunjungan"]
    assert events[1].changes == {"name": ["Tunjungan", "Tunjungan Plaza"]}
    assert events[1].actor_label == "owner"


def test_update_without_change_writes_no_event(business: Business) -> None:
    branch_update(actor=business.owner, branch=business.branch_a, name="Kemang")
    assert not AuditEvent.objects.filter(object_type="accounts.branch", action="update").exists()


def test_redaction_blanks_values_but_keeps_who_and_what(business: Business) -> None:
    from setia.accounts.services import staff_update

    staff_update(actor=business.owner, staff=business.cashier_a, phone="0812-3456-7890", first_name="Sarah")
    key = f"accounts.user:{business.cashier_a.pk}"
    assert audit_redact_subject(key) == 1
    event = AuditEvent.objects.get(subject_key=key, action="update")
    assert event.changes == {"first_name": [REDACTED, REDACTED], "phone": [REDACTED, REDACTED]}
    assert event.object_repr == REDACTED
    assert event.actor == business.owner and event.action == "update" and event.redacted_at is not None


def test_redaction_blanks_the_values_in_a_note_too(business: Business) -> None:
    from setia.core.audit import audit_log
    from setia.core.texts import Message

    key = f"accounts.user:{business.cashier_a.pk}"
    note = Message("Quote %(number)s sent to %(email)s", {"number": "Q-1", "email": "sari@example.com"})
    audit_log(actor=business.owner, action="update", instance=business.cashier_a, message=note)
    audit_log(actor=business.owner, action="update", instance=business.cashier_a, message="typed by a person")
    assert audit_redact_subject(key, fields=["email"]) == 2
    noted, typed = AuditEvent.objects.filter(subject_key=key).order_by("id")
    assert noted.message_args == {"number": "Q-1", "email": REDACTED} and typed.message_args is None
    assert typed.message == "typed by a person"
    assert audit_redact_subject(key) == 2
    noted.refresh_from_db()
    typed.refresh_from_db()
    assert noted.message_args == {"number": REDACTED, "email": REDACTED} and typed.message == REDACTED
    assert "sari@example.com" not in noted.message_text


def test_audit_list_filters_and_pages(business: Business) -> None:
    for index in range(60):
        branch_create(actor=business.owner, name=f"Cabang {index:02d}", code=f"c{index:02d}")
    client = client_for(business.owner)
    first = client.get("/audit/?type=accounts.branch")
    assert first.status_code == 200
    page = first.context["page"]
    assert len(page.rows) == 50 and page.next_cursor
    assert page.rows[0].object_repr == "Cabang 59"
    second = client.get(f"/audit/?type=accounts.branch&after={page.next_cursor}")
    names = [event.object_repr for event in second.context["page"].rows]
    assert names == [f"Cabang {index:02d}" for index in range(9, -1, -1)]


def test_audit_list_htmx_returns_only_the_results_partial(business: Business) -> None:
    branch_create(actor=business.owner, name="Tunjungan", code="tjg")
    response = client_for(business.owner).get("/audit/?q=Tunjung", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Tunjungan" in html and "<html" not in html


@pytest.mark.parametrize("size", [5, 40])
def test_audit_list_query_count_does_not_grow_with_page_size(
    business: Business, size: int, django_assert_max_num_queries: object
) -> None:
    for index in range(size):
        branch_create(actor=business.owner, name=f"B{index}", code=f"b{index}")
    client = client_for(business.owner)
    client.get("/audit/")  # warm the session
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get("/audit/").status_code == 200


def test_the_trail_names_record_types_and_fields_in_the_reader_s_language(business: Business) -> None:
    from django.urls import reverse
    from django.utils import translation

    from setia.core.audit import field_label, model_of, record_type_label

    branch = branch_create(actor=business.owner, name="Tunjungan", code="tjg", city="KOTA SURABAYA")
    client = client_for(business.owner)
    client.cookies["django_language"] = "id"
    page = client.get("/audit/?type=accounts.branch").content.decode()
    assert ">Cabang</option>" in page and '<div class="small text-secondary">Cabang</div>' in page
    assert 'title="name">nama</span>' in page  # the label, the column name on hover
    record = client.get(reverse("core:audit_record", args=["accounts.branch", branch.pk])).content.decode()
    assert f"Cabang #{branch.pk}" in record
    # Unknown types and fields stay as they are; a related set is named by its plural.
    assert record_type_label("nothing.here") == "nothing.here" and model_of("nothing.here") is None
    assert field_label(model_of("accounts.branch"), "no_such_field") == "no_such_field"
    with translation.override("en"):
        assert field_label(model_of("customers.customer"), "phones") == "phones"
        # A booking's fields, written on its order's audit row, by the booking's labels.
        assert field_label(model_of("sales.order"), "starts_at") == "starts"
        assert field_label(model_of("sales.order"), "pickup_text") == "pick-up"
        assert field_label(model_of("sales.order"), "driver_name") == "driver"


def test_what_someone_did_reads_as_a_verb_after_her_name() -> None:
    from django.utils import translation

    from setia.core.audit import action_verb

    with translation.override("id"):
        assert [action_verb(action) for action in ("create", "update", "delete", "login")] == [
            "membuat",
            "memperbarui",
            "menghapus",
            "masuk",
        ]
        assert action_verb("other") == "mencatat"
    with translation.override("en"):
        assert action_verb("create") == "created" and action_verb("something_new") == "recorded"


def test_the_notes_the_system_writes_read_in_each_readers_language(business: Business) -> None:
    """Written while the owner works in Indonesian (a merge, a consent, a segment's export), read in
    English and in Indonesian: on the trail, on the 360° page's timeline and through the API (the
    key owner's language). A note a person typed (a cancelled trip's reason) stays as typed."""
    import re

    from django.test import Client
    from django.utils import translation

    from setia.accounts.services import api_key_create
    from setia.customers.merge import customers_merge
    from setia.customers.models import ConsentRecord
    from setia.customers.services import consent_record, customer_create
    from setia.customers.timeline import timeline_for

    with translation.override("id"):
        sari = customer_create(actor=business.owner, name="Sari", home_branch=business.branch_a)
        twin = customer_create(actor=business.owner, name="Sari W", home_branch=business.branch_a)
        customers_merge(actor=business.owner, survivor=sari, merged=twin)
        consent_record(
            actor=business.owner,
            customer=sari,
            channel=ConsentRecord.Channel.WHATSAPP,
            purpose=ConsentRecord.Purpose.MARKETING,
            granted=False,
            source=ConsentRecord.Source.PHONE,
            notice_version="2026-1",
        )
    english = [f"Merged into customer #{sari.pk}", f"Merged customer #{twin.pk} into this one"]
    indonesian = [f"Digabungkan ke pelanggan #{sari.pk}", f"Pelanggan #{twin.pk} digabungkan ke pelanggan ini"]
    events = AuditEvent.objects.filter(subject_key=f"customers.customer:{sari.pk}").exclude(message="")
    consent = events.get(message__startswith="Consent")
    for language, notes, withdrawn in (
        ("en", english, "Consent withdrawn (by phone, notice 2026-1)"),
        ("id", indonesian, "Persetujuan ditarik (lewat telepon, pemberitahuan 2026-1)"),
    ):
        with translation.override(language):
            assert sorted(event.message_text for event in events if event != consent) == sorted(notes)
            assert consent.message_text == withdrawn
            details = {entry.detail for entry in timeline_for(sari)}
            assert notes[1] in details or any(notes[1] in (entry.title or "") for entry in timeline_for(sari))
        client = client_for(business.owner)
        client.cookies["django_language"] = language
        trail = client.get(f"/audit/customers.customer/{sari.pk}/")
        assert trail.status_code == 200
        shown = re.findall(r'<div class="small text-secondary">(.*?)</div>', trail.content.decode())
        assert notes[1] in shown and withdrawn in shown
        business.owner.language = language  # the API speaks the key owner's language
        business.owner.save(update_fields=["language"])
        api = Client(headers={"Authorization": f"Bearer {api_key_create(actor=business.owner, name='t')[1]}"})
        items = api.get(f"/api/v1/audit-events?object_type=customers.customer&object_id={sari.pk}").json()["items"]
        assert notes[1] in [item["message"] for item in items] and withdrawn in [item["message"] for item in items]


def test_no_service_stores_an_audit_note_in_the_writers_language() -> None:
    """Every note the system words is a `texts.Message` (stored untranslated, shown in the reader's
    language): none is an f-string, a translated string or a string formatted in place."""
    from pathlib import Path

    import setia

    root = Path(setia.__file__).parent
    found = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = getattr(node, "func", None)
            if not isinstance(node, ast.Call) or getattr(name, "id", getattr(name, "attr", "")) not in (
                "audit_log",
                "audit_event",
            ):
                continue
            notes = [keyword.value for keyword in node.keywords if keyword.arg == "message"]
            if any(_worded_here(note) for note in notes):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []


def _worded_here(note: ast.expr) -> bool:
    """Whether the note is text worded where it is written (a message's branches looked into)."""

    if isinstance(note, ast.IfExp):
        return _worded_here(note.body) or _worded_here(note.orelse)
    if isinstance(note, ast.BoolOp):
        return any(_worded_here(value) for value in note.values)
    if isinstance(note, ast.Constant):
        return isinstance(note.value, str) and bool(note.value)
    if isinstance(note, ast.Call):
        return getattr(note.func, "id", "") in ("_", "gettext")
    return isinstance(note, ast.JoinedStr | ast.BinOp)


def test_changed_values_read_as_the_reader_reads_them(business: Business) -> None:
    """A choice by its label, a moment in the business's time zone and the reader's format, a
    yes/no; ids, numbers and redacted values as stored."""
    from django.utils import translation

    from setia.core.audit import actor_name, model_of, value_shown

    quote, activity, staff = model_of("sales.quote"), model_of("sales.activity"), model_of("accounts.user")
    with translation.override("id"):
        assert value_shown(quote, "status", "expired") == "kedaluwarsa"
        assert value_shown(activity, "due_at", "2026-12-03T07:47:24.719789+00:00") == "03/12/2026 14.47"
        assert value_shown(staff, "is_active", False) == "tidak"
    with translation.override("en"):
        assert value_shown(quote, "status", "sent") == "sent"
        assert value_shown(activity, "due_at", "2026-12-03T07:47:24.719789+00:00") == "03/12/2026 14:47"
    assert value_shown(activity, "assigned_to", 10) == "10" and value_shown(quote, "status", REDACTED) == REDACTED
    names: dict[Any, dict[int, str]] = {type(business.cashier_a): {business.cashier_a.pk: "Sari Kasir"}}
    assert value_shown(activity, "assigned_to", business.cashier_a.pk, names) == "Sari Kasir"
    assert value_shown(quote, "no_such_field", [1, 2]) == "[1, 2]" and value_shown(None, "status", "sent") == "sent"
    customer = model_of("customers.customer")
    assert value_shown(customer, "phones", ["+6281199256988", "+6281234567890"]) == "+6281199256988, +6281234567890"
    with translation.override("id"):
        assert value_shown(quote, "total", 2_250_000) == "2.250.000" and value_shown(quote, "id", 12345) == "12345"
        system = AuditEvent(actor_label="system", action="update", object_type="sales.quote", object_id="7")
        assert actor_name(system) == "sistem"
    AuditEvent.objects.create(
        actor=business.owner,
        action="update",
        object_type="sales.quote",
        object_id="7",
        object_repr="Q-7",
        changes={"status": ["sent", "expired"], "branch": [None, business.branch_a.pk]},
    )
    client = client_for(business.owner)
    client.cookies["django_language"] = "id"
    for url in ("/audit/?type=sales.quote", "/audit/sales.quote/7/"):
        page = client.get(url).content.decode()
        assert "<del>terkirim</del> → <ins>kedaluwarsa</ins>" in page  # a choice by its label
        assert f'title="branch">cabang</span>: <ins>{business.branch_a}</ins>' in page  # a record by its name


def test_the_home_page_s_recent_activity_is_what_was_done_not_who_signed_in(business: Business) -> None:
    import re

    from django.test import Client

    from setia.conftest import PASSWORD

    branch_create(actor=business.owner, name="Tunjungan", code="tjg")
    Client().post("/accounts/login/", {"login": "cashier_a", "password": "wrong"})  # a failed one shows
    client = Client()
    client.cookies["django_language"] = "en"
    client.post("/accounts/login/", {"login": "owner", "password": PASSWORD})
    page = client.get("/").content.decode()
    recent = page[page.index("bi-journal-text") :]
    items = [re.sub(r"<[^>]+>", "", item).split() for item in re.findall(r"<span><strong>(.*?)</span>", recent, re.S)]
    verbs = [" ".join(words[1:-1]) for words in items]
    assert "created" in verbs and any("failed to sign in" in verb for verb in verbs)
    assert not any(verb.startswith("signed in") for verb in verbs)
