from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from setia.accounts.models import User
from setia.accounts.services import api_key_create
from setia.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create an API key for a staff member and print it (it is shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--name", default="command line", help="What the key is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active staff member with username {options['username']!r}.")
        try:
            _record, key = api_key_create(actor=user, name=options["name"])
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(key)
