"""Loyalty use cases, one module per area: `membership`, `ledger` (points and cashback),
`vouchers`, `promotions`, `purchases` (what checkout calls), `tiers`, `programmes`."""
