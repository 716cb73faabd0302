"""What loyalty needs to know about a purchase: its lines by product and category, in Rupiah.
Sales builds these; loyalty never reads orders."""

from dataclasses import dataclass


@dataclass
class CartLine:
    product_id: int | None
    category_id: int | None
    quantity: int
    unit_price: int
    discount: int = 0
    name: str = ""

    @property
    def gross(self) -> int:
        return self.quantity * self.unit_price

    @property
    def amount(self) -> int:
        return self.gross - self.discount


def cart_total(lines: list[CartLine]) -> int:
    return sum(line.amount for line in lines)
