"""Segment pages and API: who may open what, the builder's partial updates and live count, save,
detail, export, re-evaluation, static lists."""

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from setia.accounts.models import User
from setia.conftest import Business, client_for, make_user
from setia.core.models import AuditEvent
from setia.segments import services
from setia.segments.models import Segment, SegmentMember

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "cashier_other_branch", "cashier_same_branch", "marketing", "analyst", "manager", "owner"]


def _user(business: Business, persona: str) -> User | None:
    if persona == "marketing":
        return User.objects.filter(username="marketing").first() or make_user("marketing", "marketing")
    return {
        "anonymous": None,
        "cashier_other_branch": business.cashier_b,
        "cashier_same_branch": business.cashier_a,
        "analyst": business.analyst,
        "manager": business.manager,
        "owner": business.owner,
    }[persona]


def _female(business: Business) -> Segment:
    return services.segment_create(
        actor=business.owner,
        name="Perempuan",
        definition={"match": "all", "conditions": [{"field": "customer.gender", "op": "any_of", "value": ["female"]}]},
    )


@pytest.fixture
def records(business: Business, people: dict[str, Any]) -> dict[str, int]:
    dynamic = _female(business)
    static, _result = services.segment_create_static(
        actor=business.owner, name="Undangan", description="", file_name="u.csv", content=b"email\nbudi@example.com\n"
    )
    return {"dynamic": dynamic.pk, "static": static.pk}


# anonymous → sign-in; cashiers → 403; the back office and managers → 200.
ALLOWED = [302, 403, 403, 200, 200, 200, 200]
PAGES = [
    "/segments/",
    "/segments/new/",
    "/segments/new-list/",
    "/segments/{dynamic}/",
    "/segments/{static}/",
    "/segments/{dynamic}/edit/",
    "/segments/{dynamic}/export/",
]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_per_persona(business: Business, records: dict[str, int], path: str, persona: str) -> None:
    response = client_for(_user(business, persona)).get(path.format(**records))
    assert response.status_code == ALLOWED[PERSONAS.index(persona)], response.content[:300]


POSTS = [
    ("/segments/count/", {"node": "c:1", "c1-field": "customer.gender", "c1-op": "any_of", "c1-value": "female"}),
    ("/segments/builder/", {"action": "add-condition:"}),
    ("/segments/{dynamic}/evaluate/", {}),
    ("/segments/{dynamic}/snapshot/", {}),
    ("/segments/{dynamic}/archive/", {}),
    ("/segments/{static}/upload/", {}),
]


@pytest.mark.parametrize(("path", "data"), POSTS, ids=[p for p, _d in POSTS])
@pytest.mark.parametrize("persona", ["anonymous", "cashier_same_branch", "cashier_other_branch"])
def test_posts_are_refused_outside_the_back_office(
    business: Business, records: dict[str, int], path: str, data: dict[str, str], persona: str
) -> None:
    web = client_for(_user(business, persona))  # signing in is itself audited
    before = (Segment.objects.count(), SegmentMember.objects.count(), AuditEvent.objects.count())
    response = web.post(path.format(**records), data)
    assert response.status_code == (302 if persona == "anonymous" else 403)
    assert (Segment.objects.count(), SegmentMember.objects.count(), AuditEvent.objects.count()) == before


def test_the_list_shows_name_kind_and_count(business: Business, records: dict[str, int]) -> None:
    page = client_for(business.analyst).get("/segments/").content.decode()
    assert "Perempuan" in page and "Undangan" in page
    rows = page.split('data-testid="segment-row"')[1:]
    assert 'data-testid="segment-count">2<' in rows[0]
    assert 'data-testid="segment-count">1<' in rows[1]


def test_the_builder_adds_conditions_and_groups_and_changes_inputs_by_field(business: Business, people: Any) -> None:
    web = client_for(business.analyst)
    added = web.post(
        "/segments/builder/", {"action": "add-group:", "node": ["c:1"], "c1-field": ""}, HTTP_HX_REQUEST="true"
    )
    assert added.status_code == 200
    page = added.content.decode()
    assert page.count('data-testid="condition"') == 2  # the first, and the one inside the new group
    assert 'value="g:2"' in page and 'value="c:2.1"' in page
    assert 'id="live-count" hx-swap-oob="true"' in page
    # Choosing a money field offers the number operators and a Rupiah input.
    money = web.post(
        "/segments/builder/",
        {"node": ["c:1"], "c1-field": "analytics.predicted_value", "c1-previous": ""},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'value="between"' in money and '<span class="input-group-text">Rp</span>' in money
    # Switching to a choice field starts the condition afresh with a multiple select.
    choice = web.post(
        "/segments/builder/",
        {"node": ["c:1"], "c1-field": "customer.province", "c1-previous": "analytics.predicted_value", "c1-op": "gt"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'value="any_of" selected' in choice and 'multiple size="6"' in choice and "Jawa Barat" in choice
    removed = web.post(
        "/segments/builder/", {"action": "remove:1", "node": ["c:1"], "c1-field": ""}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-testid="condition"' not in removed


def test_the_live_count_follows_the_conditions(business: Business, people: Any) -> None:
    web = client_for(business.analyst)
    data: dict[str, Any] = {"node": ["c:1"], "c1-field": "customer.gender", "c1-previous": "customer.gender"}
    data.update({"c1-op": "any_of", "c1-value": ["female"]})
    assert (
        '<div class="display-6 fw-semibold" data-testid="live-count">2</div>'
        in web.post("/segments/count/", data).content.decode()
    )
    data.update(
        {"node": ["c:1", "c:2"], "c2-field": "analytics.predicted_value", "c2-previous": "analytics.predicted_value"}
    )
    data.update({"c2-op": "gt", "c2-value": "5.000.000"})
    assert 'data-testid="live-count">1<' in web.post("/segments/count/", data).content.decode()
    data["c2-value"] = "lima"
    incomplete = _english(web).post("/segments/count/", data).content.decode()
    assert 'data-testid="live-count">—<' in incomplete
    assert "Condition 2 (Predicted value (next 12 months)): enter an amount in Rupiah" in incomplete


def test_saving_from_the_builder(business: Business, people: Any) -> None:
    web = client_for(business.analyst)
    data: dict[str, Any] = {
        "name": "Champions Jabar",
        "description": "",
        "g-match": "all",
        "node": ["c:1", "c:2"],
        "c1-field": "analytics.rfm_segment",
        "c1-previous": "analytics.rfm_segment",
        "c1-op": "any_of",
        "c1-value": ["champions"],
        "c2-field": "customer.province",
        "c2-previous": "customer.province",
        "c2-op": "any_of",
        "c2-value": ["32"],
    }
    response = web.post("/segments/new/", data)
    segment = Segment.objects.get(name="Champions Jabar")
    assert response.status_code == 302 and response["Location"] == f"/segments/{segment.pk}/"
    assert segment.member_count == 1 and segment.created_by == business.analyst
    detail = web.get(f"/segments/{segment.pk}/").content.decode()
    assert 'data-testid="member-row"' in detail and "Ani" in detail
    assert 'data-testid="history-joined"' in detail


def test_a_refused_save_shows_the_condition_and_keeps_what_was_typed(business: Business, people: Any) -> None:
    web = _english(client_for(business.analyst))
    data = {
        "name": "Umur",
        "node": ["c:1"],
        "c1-field": "customer.age",
        "c1-previous": "customer.age",
        "c1-op": "gt",
        "c1-value": "tiga",
    }
    response = web.post("/segments/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="condition-error">Condition 1 (Age): enter a number<' in page
    assert 'value="tiga"' in page and 'value="Umur"' in page
    assert not Segment.objects.exists()


def test_re_evaluate_button_and_history(business: Business, records: dict[str, int], people: Any) -> None:
    from setia.customers.models import Customer

    Customer.objects.filter(pk=people["citra"].pk).update(gender="male")
    web = client_for(business.manager)
    response = web.post(f"/segments/{records['dynamic']}/evaluate/")
    assert response.status_code == 302
    assert Segment.objects.get(pk=records["dynamic"]).member_count == 1
    detail = web.get(f"/segments/{records['dynamic']}/").content.decode()
    assert 'data-testid="history-left"' in detail


def test_export_lists_the_visible_members_and_is_audited(business: Business, records: dict[str, int]) -> None:
    response = client_for(business.owner).get(f"/segments/{records['dynamic']}/export/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:5] == ["id", "external_id", "member_number", "kind", "name"]
    assert sorted(row[4] for row in rows[1:]) == ["Ani", "Citra"]
    assert (
        AuditEvent.objects.filter(
            object_type="segments.segment", message="Exported %(count)s members", message_args__count=2
        ).count()
        == 1
    )
    # A manager sees the members of the branches they manage only (both are in branch A here).
    manager_export: Any = client_for(business.manager).get(f"/segments/{records['static']}/export/")
    manager_rows = b"".join(manager_export.streaming_content)
    assert len(list(csv.reader(io.StringIO(manager_rows.decode("utf-8-sig"))))) == 1  # Budi is in branch B


def test_a_static_list_from_an_upload_page(business: Business, people: Any) -> None:
    web = client_for(business.owner)
    upload = SimpleUploadedFile("daftar.csv", b"phone\n081200000001\n08999\n", content_type="text/csv")
    response = web.post("/segments/new-list/", {"name": "Daftar", "file": upload})
    segment = Segment.objects.get(name="Daftar")
    assert response.status_code == 302 and segment.member_count == 1
    refused = web.post(
        "/segments/new-list/",
        {"name": "Salah", "file": SimpleUploadedFile("x.csv", b"nama\nAni\n")},
    )
    assert refused.status_code == 200 and not Segment.objects.filter(name="Salah").exists()


# --- API ----------------------------------------------------------------------------------------


def _english(web: Any) -> Any:
    from django.conf import settings

    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return web


def _key(user: User) -> dict[str, str]:
    from setia.accounts.services import api_key_create

    _record, key = api_key_create(actor=user, name="test")
    return {"Authorization": f"Bearer {key}"}


STORY = {
    "match": "all",
    "conditions": [
        {"field": "analytics.rfm_segment", "op": "any_of", "value": ["champions"]},
        {"field": "customer.province", "op": "any_of", "value": ["32"]},
        {"field": "analytics.predicted_value", "op": "gt", "value": "5.000.000"},
    ],
}


def test_api_count_create_get_list_and_members(business: Business, people: Any) -> None:
    web = client_for(None)
    headers = _key(business.analyst)
    count = web.post("/api/v1/segments/count", {"definition": STORY}, content_type="application/json", headers=headers)
    assert count.status_code == 200 and count.json() == {"count": 1}
    created = web.post(
        "/api/v1/segments", {"name": "Story", "definition": STORY}, content_type="application/json", headers=headers
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["member_count"] == 1 and body["kind"] == "dynamic" and body["created_by"] == "analyst"
    assert body["definition"]["conditions"][2] == {"field": "analytics.predicted_value", "op": "gt", "value": 5_000_000}
    got = web.get(f"/api/v1/segments/{body['id']}", headers=headers)
    assert got.status_code == 200 and got.json()["name"] == "Story"
    listed = web.get("/api/v1/segments", headers=headers).json()
    assert [item["name"] for item in listed["items"]] == ["Story"] and listed["next_cursor"] is None
    members = web.get(f"/api/v1/segments/{body['id']}/members", headers=headers).json()
    assert [(item["customer_id"], item["name"]) for item in members["items"]] == [(people["ani"].pk, "Ani")]


def test_api_refusals(business: Business, people: Any) -> None:
    web = _english(client_for(None))
    headers = _key(business.analyst)
    bad = web.post(
        "/api/v1/segments",
        {
            "name": "X",
            "definition": {"match": "all", "conditions": [{"field": "customer.age", "op": "gt", "value": "x"}]},
        },
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 400
    assert bad.json()["extra"] == {"conditions.1": ["Condition 1 (Age): enter a number"]}
    assert web.get("/api/v1/segments/999999", headers=headers).status_code == 404
    assert web.get("/api/v1/segments").status_code == 401
    cashier = _key(business.cashier_a)
    assert web.get("/api/v1/segments", headers=cashier).status_code == 403
    assert (
        web.post(
            "/api/v1/segments/count", {"definition": STORY}, content_type="application/json", headers=cashier
        ).status_code
        == 403
    )
    assert (
        web.post(
            "/api/v1/segments", {"name": "Y", "definition": STORY}, content_type="application/json", headers=cashier
        ).status_code
        == 403
    )
    assert not Segment.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_api_endpoints_per_persona(business: Business, records: dict[str, int], persona: str) -> None:
    user = _user(business, persona)
    assert user is not None
    headers = _key(user)
    web = client_for(None)
    expected = 403 if persona.startswith("cashier") else 200
    assert web.get("/api/v1/segments", headers=headers).status_code == expected
    assert web.get(f"/api/v1/segments/{records['dynamic']}", headers=headers).status_code == expected
    assert web.get(f"/api/v1/segments/{records['dynamic']}/members", headers=headers).status_code == expected
    count = web.post("/api/v1/segments/count", {"definition": STORY}, content_type="application/json", headers=headers)
    assert count.status_code == expected


def test_the_customer_page_shows_her_segments(business: Business, records: dict[str, int], people: Any) -> None:
    page = client_for(business.analyst).get(f"/customers/{people['ani'].pk}/").content.decode()
    assert 'data-testid="segments-panel"' in page
    assert f'href="/segments/{records["dynamic"]}/" data-testid="segment-badge">Perempuan<' in page
    cashier_page = client_for(business.cashier_a).get(f"/customers/{people['ani'].pk}/").content.decode()
    assert 'data-testid="segments-panel"' not in cashier_page


def test_the_members_page_reads_a_fixed_number_of_queries_and_pages_by_keyset(business: Business) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from setia.customers.models import Customer

    def make(count: int, start: int) -> None:
        Customer.objects.bulk_create(
            [
                Customer(
                    name=f"Pelanggan {n}", search_name=f"pelanggan {n}", gender="female", home_branch=business.branch_a
                )
                for n in range(start, start + count)
            ]
        )

    make(3, 0)
    segment = _female(business)
    web = client_for(business.owner)
    web.get(f"/segments/{segment.pk}/")
    with CaptureQueriesContext(connection) as few:
        web.get(f"/segments/{segment.pk}/")
    make(57, 3)
    services.segment_evaluate(actor=None, segment=segment)
    with CaptureQueriesContext(connection) as many:
        first = web.get(f"/segments/{segment.pk}/").content.decode()
    assert len(many) == len(few)
    assert first.count('data-testid="member-row"') == 50
    cursor = first.split('data-testid="next-page"')[0].rsplit("?after=", 1)[1].split('"')[0]
    second = web.get(f"/segments/{segment.pk}/?after={cursor}", headers={"HX-Request": "true"}).content.decode()
    assert second.count('data-testid="member-row"') == 10
    assert 'data-testid="next-page"' not in second
    api = client_for(None)
    headers = _key(business.owner)
    page_one = api.get(f"/api/v1/segments/{segment.pk}/members?limit=40", headers=headers).json()
    page_two = api.get(
        f"/api/v1/segments/{segment.pk}/members?limit=40&after={page_one['next_cursor']}", headers=headers
    ).json()
    ids = [item["customer_id"] for item in page_one["items"] + page_two["items"]]
    assert len(ids) == 60 and ids == sorted(ids) and page_two["next_cursor"] is None


# --- Counts within the actor's branches --------------------------------------------------------

EVERYONE = {"match": "all", "conditions": [{"field": "customer.gender", "op": "any_of", "value": ["female", "male"]}]}


def _counts(page: str, testid: str) -> list[str]:
    import re

    return re.findall(rf'data-testid="{testid}">([\d.,]+)<', page)


def test_a_manager_sees_the_member_counts_of_their_branches(business: Business, people: Any) -> None:
    """ "Semua": Ani and Citra (branch A), Budi (branch B) and Dedi (no branch); "Undangan": Budi.
    The manager of branch A sees 2 and 0 where the owner sees 4 and 1: on the list, on each
    segment's page and in the API."""
    everyone = services.segment_create(actor=business.owner, name="Semua", definition=EVERYONE)
    invited, _result = services.segment_create_static(
        actor=business.owner, name="Undangan", description="", file_name="u.csv", content=b"email\nbudi@example.com\n"
    )
    owner, manager = client_for(business.owner), client_for(business.manager)
    assert _counts(owner.get("/segments/").content.decode(), "segment-count") == ["4", "1"]
    assert _counts(manager.get("/segments/").content.decode(), "segment-count") == ["2", "0"]
    assert _counts(owner.get(f"/segments/{everyone.pk}/").content.decode(), "member-count") == ["4"]
    assert _counts(manager.get(f"/segments/{everyone.pk}/").content.decode(), "member-count") == ["2"]
    assert _counts(owner.get(f"/segments/{invited.pk}/").content.decode(), "member-count") == ["1"]
    assert _counts(manager.get(f"/segments/{invited.pk}/").content.decode(), "member-count") == ["0"]

    web = client_for(None)
    headers = _key(business.manager)
    listed = web.get("/api/v1/segments", headers=headers).json()
    assert [(item["name"], item["member_count"]) for item in listed["items"]] == [("Semua", 2), ("Undangan", 0)]
    assert web.get(f"/api/v1/segments/{everyone.pk}", headers=headers).json()["member_count"] == 2
    created = web.post(
        "/api/v1/segments", {"name": "Lagi", "definition": EVERYONE}, content_type="application/json", headers=headers
    )
    assert created.status_code == 201 and created.json()["member_count"] == 2
    owner_headers = _key(business.owner)
    assert web.get(f"/api/v1/segments/{everyone.pk}", headers=owner_headers).json()["member_count"] == 4


def test_a_manager_is_told_the_counts_of_their_branches_after_a_change(business: Business, people: Any) -> None:
    from setia.customers.models import Customer

    web = _english(client_for(business.manager))
    data: dict[str, Any] = {
        "name": "Semua",
        "g-match": "all",
        "node": ["c:1"],
        "c1-field": "customer.gender",
        "c1-previous": "customer.gender",
        "c1-op": "any_of",
        "c1-value": ["female", "male"],
    }
    saved = web.post("/segments/new/", data, follow=True).content.decode()
    assert "Segment Semua saved: 2 members." in saved
    segment = Segment.objects.get(name="Semua")
    assert segment.member_count == 4  # the stored figure stays the whole business's

    # Citra (branch A) leaves; Eka (branch B) joins: the manager is told of Citra only.
    Customer.objects.filter(pk=people["citra"].pk).update(gender="")
    Customer.objects.create(name="Eka", search_name="eka", gender="female", home_branch=business.branch_b)
    evaluated = web.post(f"/segments/{segment.pk}/evaluate/", follow=True).content.decode()
    assert "Re-evaluated: 0 joined, 1 left, 1 members." in evaluated
    owner_view = _english(client_for(business.owner)).post(f"/segments/{segment.pk}/evaluate/", follow=True)
    assert "Re-evaluated: 0 joined, 0 left, 4 members." in owner_view.content.decode()

    frozen = web.post(f"/segments/{segment.pk}/snapshot/", {"name": "Beku"}, follow=True).content.decode()
    assert "List Beku saved with 1 members." in frozen


def test_a_condition_on_days_reads_as_a_sentence_on_the_segment_s_page(business: Business) -> None:
    """ "Last purchase more than 90 days ago", not the operator's label with its "N" and the number after it."""
    segment = services.segment_create(
        actor=business.owner,
        name="Lama tidak datang",
        definition={
            "match": "any",
            "conditions": [
                {"field": "sales.last_purchase", "op": "more_than_days_ago", "value": "90"},
                {"field": "sales.last_purchase", "op": "within_days", "value": "7"},
            ],
        },
    )
    client = client_for(business.owner)
    for language, sentences in (
        ("id", ["lebih dari 90 hari lalu", "dalam 7 hari terakhir"]),
        ("en", ["more than 90 days ago", "within the last 7 days"]),
    ):
        client.cookies["django_language"] = language
        page = client.get(f"/segments/{segment.pk}/").content.decode()
        assert all(sentence in page for sentence in sentences)
        assert " N " not in page
