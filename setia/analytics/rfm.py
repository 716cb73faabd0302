"""RFM segments: the one place that says which R x FM cell is which named segment.

Scores (computed in DuckDB by services/engine.py, documented in docs/user/analytics.md):
- R from the days since the last purchase (fewer days = higher), F from the purchase days and M
  from the net spend in the RFM window (more = higher).
- Each score is 1 + floor(5 x (customers with a strictly worse value) / (customers scored)), so
  customers with equal values always get the same score (ties share the lower quintile) and the
  result does not depend on the order rows happen to come in. The customers scored are those with
  a purchase in the window; a customer without one gets R = F = M = 1 (Lost): a long run of
  customers with F = 0 and M = 0 would otherwise push everyone else's F and M up.
- FM = (F + M + 1) // 2: the mean of F and M, halves rounded up.

The grid follows the common marketers' R x FM table (Champions, Loyal, Potential Loyalist, New,
Promising, Need Attention, About to Sleep, At Risk, Cannot Lose Them, Hibernating, Lost), made
non-overlapping so every cell has exactly one segment.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CHAMPIONS = "champions"
LOYAL = "loyal"
POTENTIAL_LOYALIST = "potential_loyalist"
NEW = "new"
PROMISING = "promising"
NEED_ATTENTION = "need_attention"
ABOUT_TO_SLEEP = "about_to_sleep"
AT_RISK = "at_risk"
CANNOT_LOSE = "cannot_lose"
HIBERNATING = "hibernating"
LOST = "lost"

# Segment code -> (label, what it means, suggested action), in display order.
SEGMENTS = {
    CHAMPIONS: (
        _("Champions"),
        _("Bought recently, buy often and spend the most."),
        _("Reward them; ask them for reviews and referrals."),
    ),
    LOYAL: (
        _("Loyal"),
        _("Buy often and spend well; fairly recent."),
        _("Offer a higher tier or a membership programme."),
    ),
    POTENTIAL_LOYALIST: (
        _("Potential Loyalist"),
        _("Recent customers with a few purchases."),
        _("Invite them to the loyalty programme; recommend other products."),
    ),
    NEW: (
        pgettext_lazy("rfm segment", "New"),
        _("Bought very recently, for the first time or rarely."),
        _("Welcome them and make the second visit easy."),
    ),
    PROMISING: (
        _("Promising"),
        _("Fairly recent, but have bought little so far."),
        _("Build the habit: a reason to come back soon."),
    ),
    NEED_ATTENTION: (
        _("Need Attention"),
        _("Middle of the road on recency, frequency and spend."),
        _("A limited-time offer based on what they bought before."),
    ),
    ABOUT_TO_SLEEP: (
        _("About to Sleep"),
        _("Below average recency and low frequency and spend."),
        _("Remind them with something popular before they are lost."),
    ),
    AT_RISK: (
        _("At Risk"),
        _("Bought often and spent well, but not for a long time."),
        _("Personal contact; a win-back offer."),
    ),
    CANNOT_LOSE: (
        _("Cannot Lose Them"),
        _("Were among the best customers, but have not come back for a long time."),
        _("Call them: find out what happened and win them back."),
    ),
    HIBERNATING: (
        _("Hibernating"),
        _("Last purchase long ago, few purchases and low spend."),
        _("Offer other relevant products; do not over-spend on them."),
    ),
    LOST: (
        pgettext_lazy("rfm segment", "Lost"),
        _("The lowest recency, frequency and spend."),
        _("Try one campaign; otherwise leave them be."),
    ),
}

# GRID[r][fm] for r, fm in 1..5 (index 0 unused).
_ROWS = {
    5: (NEW, POTENTIAL_LOYALIST, POTENTIAL_LOYALIST, CHAMPIONS, CHAMPIONS),
    4: (PROMISING, POTENTIAL_LOYALIST, LOYAL, CHAMPIONS, CHAMPIONS),
    3: (PROMISING, ABOUT_TO_SLEEP, NEED_ATTENTION, LOYAL, LOYAL),
    2: (HIBERNATING, ABOUT_TO_SLEEP, AT_RISK, AT_RISK, CANNOT_LOSE),
    1: (LOST, HIBERNATING, AT_RISK, CANNOT_LOSE, CANNOT_LOSE),
}
GRID: dict[tuple[int, int], str] = {(r, fm): row[fm - 1] for r, row in _ROWS.items() for fm in range(1, 6)}


def fm_score(f: int, m: int) -> int:
    return (f + m + 1) // 2


def segment_for(r: int, f: int, m: int) -> str:
    return GRID[(r, fm_score(f, m))]


def segment_label(code: str) -> str:
    entry = SEGMENTS.get(code)
    return str(entry[0]) if entry else code


def segment_case_sql(r: str = "r_score", fm: str = "fm_score") -> str:
    """The grid as a SQL CASE over the R and FM score columns (for DuckDB)."""
    whens = " ".join(f"WHEN {r} = {cell[0]} AND {fm} = {cell[1]} THEN '{code}'" for cell, code in GRID.items())
    return f"CASE {whens} END"
