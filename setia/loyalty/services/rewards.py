"""Rewards taken for points. Stock changes by a conditional UPDATE in the same transaction as the
points debit, so a reward with one left is given once however many cashiers press at once."""

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import User
from setia.accounts.selectors import branch_scope, require
from setia.core.audit import audit_log
from setia.core.errors import ApplicationError
from setia.core.texts import Message
from setia.loyalty.models import Membership, PointsEntry, Reward, RewardRedemption
from setia.loyalty.services import ledger


@transaction.atomic
def reward_redeem(*, actor: User, membership: Membership, reward: Reward) -> RewardRedemption:
    require(actor, "loyalty.redeem")
    if not branch_scope(actor).allows(membership.customer.home_branch_id):
        raise ApplicationError(_("Customer not found."))
    if membership.status != Membership.Status.ACTIVE:
        raise ApplicationError(_("This membership is cancelled."))
    if not reward.is_active:
        message = _("The reward %(name)s is no longer offered.") % {"name": reward.name}
        raise ApplicationError(message, {"reward": [message]})
    if reward.stock is not None:
        taken = Reward.objects.filter(pk=reward.pk, stock__gt=0).update(stock=F("stock") - 1)
        if not taken:
            message = _("The reward %(name)s is out of stock.") % {"name": reward.name}
            raise ApplicationError(message, {"reward": [message]})
    # Past their date: expired first, never spent.
    ledger.expire_lapsed(membership, spend=reward.points_cost, field="reward")
    entry = ledger.points_post(
        membership=membership,
        kind=PointsEntry.Kind.REDEEM,
        points=-reward.points_cost,
        source=f"loyalty.reward:{reward.pk}",
        reason=Message(gettext_noop("Reward: %(name)s"), {"name": reward.name}),
        actor=actor,
    )
    redemption = RewardRedemption.objects.create(reward=reward, membership=membership, points_entry=entry, actor=actor)
    audit_log(
        actor=actor,
        action="create",
        instance=redemption,
        subject=membership.customer,
        message=Message(
            gettext_noop("%(reward)s for %(points)s points"), {"reward": reward.name, "points": reward.points_cost}
        ),
    )
    return redemption
