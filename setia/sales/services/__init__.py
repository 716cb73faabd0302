"""Sales use cases: `checkout` (pricing and recording a sale with its loyalty effects),
`refunds`, `bookings` (taxi trips and salon appointments), `imports` (historical orders)."""
