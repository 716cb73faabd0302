"""Phone numbers as people type them in Indonesia, stored as E.164 (`+6281234567890`)."""

import re

import phonenumbers
from django.utils.translation import gettext as _

from setia.core.errors import ApplicationError

DEFAULT_REGION = "ID"
_NOT_DIGITS = re.compile(r"[^\d+]")


def normalize_phone(raw: str, *, field: str = "phone", region: str = DEFAULT_REGION) -> str:
    """Return the E.164 form of `raw` or raise ApplicationError naming `field`.

    Accepts `0812-3456-7890`, `+62 812 3456 7890`, `62812…`, `812…` and landlines such as
    `(021) 555-1234`. `phonenumbers.parse("62812…", "ID")` alone would read the 62 as part
    of the national number, so a leading country code without `+` is turned into `+62` first.
    """
    text = _NOT_DIGITS.sub("", raw or "")
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.strip("+"):
        raise ApplicationError(_("Enter a phone number."), {field: [_("Enter a phone number.")]})
    if not text.startswith("+"):
        if text.startswith("62") and len(text) >= 10:
            text = "+" + text
        elif text.startswith("8") and region == DEFAULT_REGION:
            text = "0" + text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        message = _("“%(value)s” is not a phone number.") % {"value": raw}
        raise ApplicationError(message, {field: [message]}) from error
    if not phonenumbers.is_valid_number(number):
        message = _("“%(value)s” is not a valid phone number.") % {"value": raw}
        raise ApplicationError(message, {field: [message]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """National form for display (`0812-3456-7890`), international for foreign numbers."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 62:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
