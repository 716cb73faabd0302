from setia.accounts.models import Branch
from setia.core.pagination import keyset_page


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
