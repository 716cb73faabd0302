"""`manage.py loyalty_check`: every balance against its ledger; exit 1 and list any mismatch."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from setia.loyalty.services.ledger import ledger_check


class Command(BaseCommand):
    help = "Compare every member's points and cashback balance with the sum of the ledger."

    def handle(self, *args: Any, **options: Any) -> None:
        result = ledger_check()
        if result.ok:
            self.stdout.write(f"OK: {result.checked} memberships, every balance equals its ledger.")
            return
        for row in result.mismatches:
            self.stdout.write(
                f"{row['number']} (membership {row['membership_id']}) {row['kind']}: "
                f"balance {row['balance']}, ledger {row['ledger']}"
            )
        raise CommandError(f"{len(result.mismatches)} balance(s) differ from the ledger.", returncode=1)
