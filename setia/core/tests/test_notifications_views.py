"""The notifications page and the bell: each person sees and marks only their own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from setia.conftest import PERSONAS, Business, client_for, persona_user
from setia.core.models import Notification
from setia.core.notifications import notify


@pytest.fixture
def inbox(business: Business) -> dict:
    return {
        "mine_old": notify(recipient=business.cashier_a, text="Old news", url="/my-day/"),
        "mine_new": notify(recipient=business.cashier_a, text="Call Bu Sari at 10:00", url="/my-day/"),
        "theirs": notify(recipient=business.cashier_b, text="Someone else's reminder"),
    }


@pytest.mark.django_db
def test_list_shows_own_unread_first_and_the_bell_counts(business: Business, inbox: dict) -> None:
    Notification.objects.filter(pk=inbox["mine_new"].pk).update(read_at="2026-01-01T00:00:00Z")
    html = client_for(business.cashier_a).get(reverse("core:notifications")).content.decode()
    assert "Someone else&#x27;s reminder" not in html and "Someone else's reminder" not in html
    assert html.index("Old news") < html.index("Call Bu Sari at 10:00")  # unread first
    assert html.count('data-testid="notification-unread"') == 1
    assert 'data-testid="bell-count">1<' in html


@pytest.mark.django_db
def test_mark_read_open_and_mark_all(business: Business, inbox: dict) -> None:
    web = client_for(business.cashier_a)
    opened = web.post(reverse("core:notification_read", args=[inbox["mine_new"].pk]), {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == "/my-day/"
    assert Notification.objects.get(pk=inbox["mine_new"].pk).read_at is not None
    # Not hers: 404, and it stays unread.
    assert web.post(reverse("core:notification_read", args=[inbox["theirs"].pk])).status_code == 404
    assert Notification.objects.get(pk=inbox["theirs"].pk).read_at is None
    web.post(reverse("core:notifications_read_all"))
    assert not Notification.objects.filter(recipient=business.cashier_a, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=inbox["theirs"].pk).read_at is None
    assert 'data-testid="bell-count"' not in web.get(reverse("core:notifications")).content.decode()
    assert web.get(reverse("core:notification_read", args=[inbox["mine_old"].pk])).status_code == 405


@pytest.mark.django_db
def test_open_refuses_a_link_to_another_site(business: Business) -> None:
    notice = notify(recipient=business.cashier_a, text="Phish", url="https://evil.example/")
    assert notice is not None
    response = client_for(business.cashier_a).post(reverse("core:notification_read", args=[notice.pk]), {"open": "1"})
    assert response["Location"] == reverse("core:notifications")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_by_persona(business: Business, inbox: dict, persona: str) -> None:
    user = persona_user(business, persona)
    web = client_for(user)
    page = web.get(reverse("core:notifications"))
    read_all = web.post(reverse("core:notifications_read_all"))
    if user is None:
        assert page.status_code == 302 and "/accounts/login" in page["Location"]
        assert read_all.status_code == 302 and "/accounts/login" in read_all["Location"]
        assert Notification.objects.filter(read_at__isnull=True).count() == 3
        return
    assert page.status_code == 200 and read_all.status_code == 302
    expected_unread = {"same_branch_front_office": 1, "other_branch_front_office": 2}.get(persona, 3)
    assert Notification.objects.filter(read_at__isnull=True).count() == expected_unread


@pytest.mark.django_db
def test_bell_costs_one_query(business: Business, inbox: dict) -> None:
    from django.test import RequestFactory

    from setia.core.context_processors import shell

    request = RequestFactory().get("/")
    request.user = business.cashier_a
    context = shell(request)
    with CaptureQueriesContext(connection) as queries:
        assert int(str(context["unread_notifications"])) == 2
    assert len(queries) == 1
