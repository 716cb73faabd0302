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
    fast = _indonesian(text) if region == DEFAULT_REGION else None
    if fast is not None:
        return fast
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        message = _("“%(value)s” is not a phone number.") % {"value": raw}
        raise ApplicationError(message, {field: [message]}) from error
    if not phonenumbers.is_valid_number(number):
        message = _("“%(value)s” is not a valid phone number.") % {"value": raw}
        raise ApplicationError(message, {field: [message]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _indonesian(text: str) -> str | None:
    """The E.164 form of an Indonesian number already reduced to `+62…` or `0…` digits, when it is
    valid; None to let the full parser decide (and word the error). Skips `phonenumbers.parse`,
    which was over half the cost of checking an import file; the result is the one `parse` gives
    (tests compare both over many generated numbers)."""
    if text.startswith("+62"):
        national = text[3:]
    elif text.startswith("0") and not text.startswith("00"):
        national = text[1:]
    else:
        return None
    if not (national.isascii() and national.isdigit()) or national[0] == "0" or not 7 <= len(national) <= 13:
        return None
    if not _mobile(national) and not phonenumbers.is_valid_number(
        phonenumbers.PhoneNumber(country_code=62, national_number=int(national))
    ):
        return None
    return "+62" + national


def _pattern(desc: phonenumbers.PhoneNumberDesc | None) -> tuple[re.Pattern[str], frozenset[int]] | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return re.compile(desc.national_number_pattern), frozenset(desc.possible_length or ())


_ID_METADATA = phonenumbers.PhoneMetadata.metadata_for_region(DEFAULT_REGION)
_ID_GENERAL = _pattern(_ID_METADATA.general_desc) if _ID_METADATA else None
_ID_MOBILE = _pattern(_ID_METADATA.mobile) if _ID_METADATA else None


def _mobile(national: str) -> bool:
    """True when the digits match the library's own patterns and lengths for an Indonesian number
    and for a mobile one: `is_valid_number` then says valid too (it asks the same general pattern,
    then tries each number type in turn, mobile among them). Two regular expressions instead of the
    dozen `is_valid_number` tries before it reaches mobile, the most common number in a file;
    anything else is left to `is_valid_number`."""
    if _ID_GENERAL is None or _ID_MOBILE is None:
        return False
    length = len(national)
    return (
        length in _ID_GENERAL[1]
        and length in _ID_MOBILE[1]
        and _ID_GENERAL[0].fullmatch(national) is not None
        and _ID_MOBILE[0].fullmatch(national) is not None
    )


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
