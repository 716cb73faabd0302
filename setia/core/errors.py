from typing import Any


class ApplicationError(Exception):
    """The one domain error. `message` is shown to the user; `extra` maps field names to messages.

    The API turns it into 400 `{"message", "extra"}`; HTML views into form errors or a toast.
    """

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class PermissionDeniedError(ApplicationError):
    """The actor may not do this (HTTP 403)."""


class NotFoundError(ApplicationError):
    """The record does not exist or is outside what the actor may see (HTTP 404)."""


def field_not_found(field: str) -> ApplicationError:
    """A request's reference (`customer_id`, ...) that names no record, or none the sender may see."""
    from django.utils.translation import gettext as _

    reason = _("not found")
    return ApplicationError(f"{field}: {reason}", {field: [reason]})


def validate_instance(instance: Any, *, exclude: list[str] | None = None) -> None:
    """Run the model's validation; raise ApplicationError naming each field that failed."""
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        extra = {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
        first_field, first_messages = next(iter(extra.items()))
        raise ApplicationError(_field_message(instance, first_field, first_messages[0]), extra) from error


def _field_message(instance: Any, field: str, message: str) -> str:
    if field == "__all__":
        return message
    try:
        label = str(instance._meta.get_field(field).verbose_name)
    except Exception:  # noqa: BLE001 - a non-field key: show it as it is
        label = field
    return f"{label[:1].upper()}{label[1:]}: {message}"
