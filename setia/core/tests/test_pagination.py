import pytest

from setia.accounts.models import Branch
from setia.core.errors import ApplicationError
from setia.core.pagination import api_page, keyset_page


def test_pages_walk_every_row_once_in_order(db: None) -> None:
    for index in range(23):
        Branch.objects.create(name=f"Cabang {index % 5}-{index:02d}", code=f"c{index:02d}", city=str(index % 3))
    seen: list[int] = []
    cursor = ""
    while True:
        page = keyset_page(Branch.objects.all(), order=("city", "-id"), cursor=cursor, size=4)
        seen.extend(branch.pk for branch in page.rows)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    expected = list(Branch.objects.order_by("city", "-id").values_list("pk", flat=True))
    assert seen == expected


def test_broken_cursor_starts_from_the_first_page(db: None) -> None:
    Branch.objects.create(name="A", code="a")
    page = keyset_page(Branch.objects.all(), order=("id",), cursor="not-a-cursor", size=10)
    assert [b.name for b in page.rows] == ["A"] and page.next_cursor is None


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzEsIDJd", "WyJ4Il0="])  # not base64 JSON; [1, 2]; ["x"]
def test_the_api_refuses_a_cursor_it_cannot_read(db: None, cursor: str) -> None:
    Branch.objects.create(name="A", code="a")
    with pytest.raises(ApplicationError) as refused:
        api_page(Branch.objects.all(), order=("id",), cursor=cursor, size=10)
    assert list(refused.value.extra) == ["after"]
    assert [b.name for b in keyset_page(Branch.objects.all(), order=("id",), cursor=cursor).rows] == ["A"]
