"""Quotes' nightly job: sent quotes past their validity date become expired (02:10 Asia/Jakarta)."""

from django.tasks import task


@task
def quotes_expire() -> int:
    """Safe to run twice: only quotes still sent and past their date change."""
    from setia.sales.services.quotes import quotes_expire as expire

    return expire()
