"""Indonesian for a refund that leaves what she keeps below a voucher's minimum spend."""

ID = {
    "voucher %(name)s": "voucher %(name)s",
}
