"""The opportunity pipeline: opportunities created, moved between stages, won, lost and reopened,
and the pipelines, stages and lost reasons they use.

Every move of an opportunity locks its row first (`select_for_update`) and reads the stage it
is in *after* the lock, so two people dragging the same card at once leave one final state and
two history rows chained one after the other (the second move starts where the first ended).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope, require
from setia.catalog.models import Product
from setia.core.audit import audit_log, diff, snapshot
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.texts import Message
from setia.customers.models import Customer
from setia.sales.models import LostReason, Opportunity, OpportunityLine, Order, Pipeline, Stage, StageChange

MAX_LINES = 200
MAX_QUANTITY = 100_000
MAX_MONEY = 1_000_000_000_000  # Rp 1 trillion: anything above is a typing error

# The pipeline a new installation starts with: names are translated when it is created.
DEFAULT_STAGES = (
    (gettext_noop("Qualification"), 10),
    (gettext_noop("Needs analysis"), 25),
    (gettext_noop("Proposal"), 50),
    (gettext_noop("Negotiation"), 75),
)
AUDITED_FIELDS = ("title", "customer", "pipeline", "stage", "owner", "branch", "value", "probability", "expected_close")


def _field_error(field_name: str, message: str) -> ApplicationError:
    return ApplicationError(message, {field_name: [message]})


# --- pipelines, stages, lost reasons ---------------------------------------------------------


def _default_pipeline() -> tuple[Pipeline, bool]:
    """The first active pipeline, or "Sales" with four stages made (or made active again) in the
    active language; and whether anything was written."""
    pipeline = Pipeline.objects.filter(active=True).order_by("position", "id").first()
    if pipeline is not None:
        return pipeline, False
    pipeline, created = Pipeline.objects.get_or_create(name=_("Sales"), defaults={"position": 0, "active": True})
    if not created and not pipeline.active:
        pipeline.active = True
        pipeline.save(update_fields=["active", "updated_at"])
    if created:
        Stage.objects.bulk_create(
            [
                Stage(pipeline=pipeline, name=_(name), probability=probability, position=index)
                for index, (name, probability) in enumerate(DEFAULT_STAGES)
            ]
        )
    return pipeline, True


@transaction.atomic
def default_pipeline() -> Pipeline:
    """The first active pipeline; without one, "Sales" with four stages is made. For writes that
    need a pipeline (an opportunity opened without a stage, the demo data); pages and the API read
    `selectors.pipeline_get`, which never writes, and set one up with `pipeline_setup`."""
    return _default_pipeline()[0]


@transaction.atomic
def pipeline_setup(*, actor: User) -> Pipeline:
    """Set up the pipeline a business starts with — "Sales" and four stages, named in the actor's
    language — when it has no active pipeline (the button on the empty board). With one already,
    nothing changes: a second press returns it."""
    require(actor, "sales.configure")
    pipeline, written = _default_pipeline()
    if written:
        audit_log(actor=actor, action="create", instance=pipeline, changes=diff({}, snapshot(pipeline, ("name",))))
    return pipeline


def _check_name(name: str, field_name: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise _field_error(field_name, _("Enter a name."))
    if len(name) > 100:
        raise _field_error(field_name, _("The name is too long (at most 100 characters)."))
    return name


def _check_position(position: Any) -> int:
    if not isinstance(position, int) or isinstance(position, bool) or position < 0 or position > 100_000:
        raise _field_error("position", _("The order must be a whole number from 0."))
    return position


@transaction.atomic
def pipeline_create(*, actor: User, name: str, position: int = 0, active: bool = True) -> Pipeline:
    require(actor, "sales.configure")
    name = _check_name(name)
    if Pipeline.objects.filter(name__iexact=name).exists():
        raise _field_error("name", _("A pipeline with this name already exists."))
    pipeline = Pipeline.objects.create(name=name, position=_check_position(position), active=bool(active))
    audit_log(actor=actor, action="create", instance=pipeline, changes=diff({}, snapshot(pipeline, ("name",))))
    return pipeline


@transaction.atomic
def pipeline_update(*, actor: User, pipeline: Pipeline, name: str, position: int, active: bool) -> Pipeline:
    require(actor, "sales.configure")
    pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    before = snapshot(pipeline, ("name", "position", "active"))
    name = _check_name(name)
    if Pipeline.objects.filter(name__iexact=name).exclude(pk=pipeline.pk).exists():
        raise _field_error("name", _("A pipeline with this name already exists."))
    if not active and pipeline.active and not Pipeline.objects.filter(active=True).exclude(pk=pipeline.pk).exists():
        raise _field_error("active", _("Keep at least one pipeline active."))
    pipeline.name, pipeline.position, pipeline.active = name, _check_position(position), bool(active)
    pipeline.save()
    changes = diff(before, snapshot(pipeline, ("name", "position", "active")))
    if changes:
        audit_log(actor=actor, action="update", instance=pipeline, changes=changes)
    return pipeline


def _check_probability(probability: Any) -> int:
    if not isinstance(probability, int) or isinstance(probability, bool) or not 0 <= probability <= 100:
        raise _field_error("probability", _("The probability must be a whole number from 0 to 100."))
    return probability


@transaction.atomic
def stage_create(
    *, actor: User, pipeline: Pipeline, name: str, probability: int = 10, position: int | None = None
) -> Stage:
    require(actor, "sales.configure")
    name = _check_name(name)
    if pipeline.stages.filter(name__iexact=name).exists():
        raise _field_error("name", _("This pipeline already has a stage with this name."))
    if position is None:
        position = (pipeline.stages.aggregate(top=Max("position"))["top"] or 0) + 1
    stage = Stage.objects.create(
        pipeline=pipeline, name=name, probability=_check_probability(probability), position=_check_position(position)
    )
    audit_log(actor=actor, action="create", instance=stage, changes=diff({}, snapshot(stage, ("pipeline", "name"))))
    return stage


@transaction.atomic
def stage_update(
    *, actor: User, stage: Stage, name: str, probability: int, position: int, active: bool = True
) -> Stage:
    require(actor, "sales.configure")
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    fields = ("name", "probability", "position", "active")
    before = snapshot(stage, fields)
    name = _check_name(name)
    if Stage.objects.filter(pipeline_id=stage.pipeline_id, name__iexact=name).exclude(pk=stage.pk).exists():
        raise _field_error("name", _("This pipeline already has a stage with this name."))
    if not active and stage.active:
        if stage.opportunities.filter(status=Opportunity.Status.OPEN).exists():
            raise _field_error(
                "active", _("Open opportunities are in this stage: move them to another stage before archiving it.")
            )
        if not Stage.objects.filter(pipeline_id=stage.pipeline_id, active=True).exclude(pk=stage.pk).exists():
            raise _field_error("active", _("Keep at least one active stage in the pipeline."))
    stage.name, stage.probability = name, _check_probability(probability)
    stage.position, stage.active = _check_position(position), bool(active)
    stage.save()
    changes = diff(before, snapshot(stage, fields))
    if changes:
        audit_log(actor=actor, action="update", instance=stage, changes=changes)
    return stage


@transaction.atomic
def stage_delete(*, actor: User, stage: Stage) -> None:
    """Delete a stage nothing has ever been in; a stage that holds (or held) opportunities is
    archived instead, so their history keeps its names."""
    require(actor, "sales.configure")
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    if stage.opportunities.exists() or StageChange.objects.filter(to_stage=stage).exists():
        raise _field_error("stage", _("Opportunities are or were in this stage: archive it instead (untick “active”)."))
    if not Stage.objects.filter(pipeline_id=stage.pipeline_id, active=True).exclude(pk=stage.pk).exists():
        raise _field_error("stage", _("Keep at least one active stage in the pipeline."))
    audit_log(actor=actor, action="delete", instance=stage, changes=diff(snapshot(stage, ("name",)), {}))
    stage.delete()


@transaction.atomic
def stages_reorder(*, actor: User, pipeline: Pipeline, stage_ids: list[int]) -> None:
    """Put the pipeline's stages in the order of `stage_ids` (every stage of the pipeline, once)."""
    require(actor, "sales.configure")
    current = set(pipeline.stages.values_list("pk", flat=True))
    if len(stage_ids) != len(set(stage_ids)) or set(stage_ids) != current:
        raise _field_error("stages", _("List every stage of the pipeline once."))
    stages = {stage.pk: stage for stage in pipeline.stages.select_for_update()}
    for index, stage_id in enumerate(stage_ids):
        stages[stage_id].position = index
    Stage.objects.bulk_update(stages.values(), ["position"])
    audit_log(actor=actor, action="update", instance=pipeline, changes={"stages": [None, list(stage_ids)]})


@transaction.atomic
def stage_shift(*, actor: User, stage: Stage, direction: str) -> None:
    """Move a stage one place up or down among its pipeline's stages (nothing at either end)."""
    if direction not in ("up", "down"):
        raise _field_error("direction", _("Move a stage up or down."))
    ids = list(stage.pipeline.stages.order_by("position", "id").values_list("pk", flat=True))
    index = ids.index(stage.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        stages_reorder(actor=actor, pipeline=stage.pipeline, stage_ids=ids)


@transaction.atomic
def lost_reason_create(*, actor: User, name: str, position: int = 0) -> LostReason:
    require(actor, "sales.configure")
    name = _check_name(name)
    if LostReason.objects.filter(name__iexact=name).exists():
        raise _field_error("name", _("This lost reason already exists."))
    reason = LostReason.objects.create(name=name, position=_check_position(position))
    audit_log(actor=actor, action="create", instance=reason, changes=diff({}, snapshot(reason, ("name",))))
    return reason


@transaction.atomic
def lost_reason_update(*, actor: User, reason: LostReason, name: str, position: int, active: bool) -> LostReason:
    require(actor, "sales.configure")
    reason = LostReason.objects.select_for_update().get(pk=reason.pk)
    fields = ("name", "position", "active")
    before = snapshot(reason, fields)
    name = _check_name(name)
    if LostReason.objects.filter(name__iexact=name).exclude(pk=reason.pk).exists():
        raise _field_error("name", _("This lost reason already exists."))
    reason.name, reason.position, reason.active = name, _check_position(position), bool(active)
    reason.save()
    changes = diff(before, snapshot(reason, fields))
    if changes:
        audit_log(actor=actor, action="update", instance=reason, changes=changes)
    return reason


@transaction.atomic
def lost_reason_delete(*, actor: User, reason: LostReason) -> None:
    """Delete a reason no opportunity was lost for; a used one is archived instead."""
    require(actor, "sales.configure")
    if Opportunity.objects.filter(lost_reason=reason).exists():
        raise _field_error("reason", _("Opportunities were lost for this reason: archive it instead."))
    audit_log(actor=actor, action="delete", instance=reason, changes=diff(snapshot(reason, ("name",)), {}))
    reason.delete()


# --- opportunities ---------------------------------------------------------------------------


@dataclass
class _Line:
    product_id: int | None
    description: str
    quantity: int
    unit_price: int


def _whole_number(value: Any, field_name: str, message: str, *, minimum: int, maximum: int) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise _field_error(field_name, message)
    return value


def _clean_lines(lines: list[dict[str, Any]]) -> list[_Line]:
    if len(lines) > MAX_LINES:
        raise _field_error("lines", _("At most %(count)s products per opportunity.") % {"count": MAX_LINES})
    product_ids = set()
    for line in lines:
        if not isinstance(line, dict):
            raise _field_error("lines", _("Each product line must give a product or a description."))
        if line.get("product_id") not in (None, ""):
            product_ids.add(_whole_number(line["product_id"], "lines", _("Unknown product."), minimum=1, maximum=2**62))
    products = {product.pk: product for product in Product.objects.filter(pk__in=product_ids)}
    cleaned = []
    for number, line in enumerate(lines, start=1):
        where = f"lines[{number}]"
        product = None
        if line.get("product_id") not in (None, ""):
            product = products.get(int(line["product_id"]))
            if product is None or not product.is_active:
                raise _field_error(
                    f"{where}.product",
                    _("Product %(number)s: the product does not exist or is not sold any more.") % {"number": number},
                )
        quantity = _whole_number(
            line.get("quantity", 1),
            f"{where}.quantity",
            _("Product %(number)s: the quantity must be a whole number from 1.") % {"number": number},
            minimum=1,
            maximum=MAX_QUANTITY,
        )
        price = line.get("unit_price")
        if price in (None, ""):
            if product is None:
                raise _field_error(
                    f"{where}.unit_price", _("Product %(number)s: enter the price.") % {"number": number}
                )
            price = product.price
        unit_price = _whole_number(
            price,
            f"{where}.unit_price",
            _("Product %(number)s: the price must be a whole number of Rupiah, 0 or more.") % {"number": number},
            minimum=0,
            maximum=MAX_MONEY,
        )
        description = (str(line.get("description") or "") or (product.name if product else "")).strip()[:200]
        if not description:
            raise _field_error(
                f"{where}.description", _("Product %(number)s: choose a product or describe it.") % {"number": number}
            )
        cleaned.append(
            _Line(
                product_id=product.pk if product else None,
                description=description,
                quantity=quantity,
                unit_price=unit_price,
            )
        )
    return cleaned


def _check_customer(actor: User, customer: Customer | None) -> Customer:
    if customer is None:
        raise _field_error("customer", _("Choose the customer."))
    if customer.merged_into_id or customer.archived_at or not branch_scope(actor).allows(customer.home_branch_id):
        raise _field_error("customer", _("Customer not found."))
    return customer


def _check_branch(actor: User, branch: Branch | None) -> None:
    if branch is not None and not branch_scope(actor).allows(branch.pk):
        raise _field_error("branch", _("You cannot record opportunities for this branch."))


def _check_owner(owner: User | None) -> None:
    if owner is not None and (not owner.is_active or not owner.has_capability("opportunities.view")):
        raise _field_error("owner", _("The owner must be an active member of staff who works with opportunities."))


def _check_stage(pipeline: Pipeline, stage: Stage) -> None:
    if stage.pipeline_id != pipeline.pk:
        raise _field_error("stage", _("This stage belongs to another pipeline."))
    if not stage.active:
        raise _field_error("stage", _("This stage is archived."))


def _next_position(stage_id: int) -> int:
    top = Opportunity.objects.filter(stage_id=stage_id, status=Opportunity.Status.OPEN).aggregate(top=Max("position"))
    return (top["top"] if top["top"] is not None else -1) + 1


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise _field_error("title", _("Enter a title."))
    if len(title) > 200:
        raise _field_error("title", _("The title is too long (at most 200 characters)."))
    return title


@transaction.atomic
def opportunity_create(
    *,
    actor: User,
    customer: Customer | None,
    title: str,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    value: int = 0,
    owner: User | None = None,
    branch: Branch | None = None,
    lead: Any = None,
    expected_close: dt.date | None = None,
    lines: list[dict[str, Any]] | None = None,
    notes: str = "",
) -> Opportunity:
    """Open an opportunity in `stage` (default: the first active stage of the pipeline).

    `lines` are `{product_id, quantity, unit_price, description}`; when lines are given and
    `value` is 0 the value is their sum. The probability starts at the stage's default.
    """
    require(actor, "opportunities.edit")
    title = _check_title(title)
    customer = _check_customer(actor, customer)
    if pipeline is None:
        pipeline = stage.pipeline if stage is not None else default_pipeline()
    if not pipeline.active:
        raise _field_error("pipeline", _("This pipeline is archived."))
    if stage is None:
        stage = pipeline.stages.filter(active=True).order_by("position", "id").first()
        if stage is None:
            raise _field_error("stage", _("This pipeline has no active stage."))
    _check_stage(pipeline, stage)
    value = _whole_number(
        value, "value", _("The value must be a whole number of Rupiah, 0 or more."), minimum=0, maximum=MAX_MONEY
    )
    cleaned = _clean_lines(lines or [])
    if cleaned and value == 0:
        value = sum(line.quantity * line.unit_price for line in cleaned)
        if value > MAX_MONEY:
            raise _field_error("value", _("The value must be a whole number of Rupiah, 0 or more."))
    if branch is None:
        branch = customer.home_branch if customer.home_branch_id else actor.branch
    _check_branch(actor, branch)
    _check_owner(owner)
    if expected_close is not None and not isinstance(expected_close, dt.date):
        raise _field_error("expected_close", _("Enter a valid date."))
    now = timezone.now()
    opportunity = Opportunity.objects.create(
        title=title,
        customer=customer,
        lead=lead,
        pipeline=pipeline,
        stage=stage,
        owner=owner if owner is not None else actor,
        branch=branch,
        value=value,
        probability=stage.probability,
        expected_close=expected_close,
        position=_next_position(stage.pk),
        stage_entered_at=now,
        notes=(notes or "").strip(),
        created_by=actor,
    )
    OpportunityLine.objects.bulk_create(
        [
            OpportunityLine(
                opportunity=opportunity,
                product_id=line.product_id,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
            )
            for line in cleaned
        ]
    )
    StageChange.objects.create(
        opportunity=opportunity, from_stage=None, to_stage=stage, changed_by=actor, changed_at=now
    )
    audit_log(
        actor=actor,
        action="create",
        instance=opportunity,
        subject=customer,
        branch_id=opportunity.branch_id,
        changes=diff({}, {k: v for k, v in snapshot(opportunity, AUDITED_FIELDS).items() if v not in (None, "")}),
    )
    return opportunity


def _lock(actor: User, opportunity_id: int) -> Opportunity:
    """The opportunity, locked, if the actor may see it."""
    # No joins in the locking query: PostgreSQL re-checks a row changed by a concurrent move
    # against the joined rows it read before waiting, and a changed stage would drop it.
    opportunity = Opportunity.objects.select_for_update().filter(pk=opportunity_id).first()
    if opportunity is None or not branch_scope(actor).allows(opportunity.branch_id):
        raise NotFoundError(_("Opportunity not found."))
    return opportunity


@transaction.atomic
def opportunity_update(
    *,
    actor: User,
    opportunity: Opportunity,
    title: str,
    value: int,
    owner: User | None,
    branch: Branch | None,
    expected_close: dt.date | None,
    notes: str = "",
    lines: list[dict[str, Any]] | None = None,
) -> Opportunity:
    """Change an opportunity's details (not its stage or status). `lines`, when given, replace
    the product lines; a value of 0 with lines takes their sum."""
    require(actor, "opportunities.edit")
    opportunity = _lock(actor, opportunity.pk)
    before = snapshot(opportunity, AUDITED_FIELDS)
    opportunity.title = _check_title(title)
    value = _whole_number(
        value, "value", _("The value must be a whole number of Rupiah, 0 or more."), minimum=0, maximum=MAX_MONEY
    )
    if lines is not None:
        cleaned = _clean_lines(lines)
        if cleaned and value == 0:
            value = sum(line.quantity * line.unit_price for line in cleaned)
            if value > MAX_MONEY:
                raise _field_error("value", _("The value must be a whole number of Rupiah, 0 or more."))
        opportunity.lines.all().delete()
        OpportunityLine.objects.bulk_create(
            [
                OpportunityLine(
                    opportunity=opportunity,
                    product_id=line.product_id,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                )
                for line in cleaned
            ]
        )
    _check_branch(actor, branch)
    if owner is None or owner.pk != opportunity.owner_id:  # an owner deactivated since may stay
        _check_owner(owner)
    opportunity.value, opportunity.owner, opportunity.branch = value, owner, branch
    opportunity.expected_close = expected_close
    opportunity.notes = (notes or "").strip()
    opportunity.version = F("version") + 1
    opportunity.save()
    opportunity.refresh_from_db()
    changes = diff(before, snapshot(opportunity, AUDITED_FIELDS))
    if lines is not None:
        changes["lines"] = [None, len(lines)]
    if changes:
        audit_log(
            actor=actor,
            action="update",
            instance=opportunity,
            subject=opportunity.customer,
            branch_id=opportunity.branch_id,
            changes=changes,
        )
    return opportunity


def _seconds_since(moment: dt.datetime | None, now: dt.datetime) -> int:
    if moment is None:
        return 0
    return max(0, int((now - moment).total_seconds()))


def _position_at(column: Any, index: int) -> int:
    """The `position` value that puts a card at `index` (0-based) of `column` (the other open
    cards of the stage, ordered by position then id).

    Positions may go below zero and need not be consecutive, so a drop changes few rows: at the
    top the card takes the first card's position minus one, between two cards with a gap it takes
    the gap, and otherwise the cards above the drop point (never more than `index` of them — the
    board shows the first cards of a column) move up by one to make room.
    """
    ordered = column.order_by("position", "id").values_list("position", "id")
    if index == 0:
        first = ordered[:1]
        return first[0][0] - 1 if first else 0
    around = list(ordered[index - 1 : index + 1])
    if not around:
        top = column.aggregate(top=Max("position"))["top"]
        return (top if top is not None else -1) + 1
    (before, before_id), after = around[0], around[1][0] if len(around) == 2 else None
    if after is None:
        return before + 1
    if after - before > 1:
        return before + 1
    column.filter(Q(position__lt=before) | Q(position=before, id__lte=before_id)).update(position=F("position") - 1)
    return before


@transaction.atomic
def opportunity_move(*, actor: User, opportunity_id: int, stage_id: int, position: int | None = None) -> Opportunity:
    """Move an open opportunity to `stage_id` (same pipeline), at `position` (0-based index in
    the target column; default: the end). Records the move and the time spent in the stage it
    left; the probability becomes the new stage's default."""
    require(actor, "opportunities.edit")
    opportunity = _lock(actor, opportunity_id)
    if opportunity.status != Opportunity.Status.OPEN:
        raise _field_error("status", _("This opportunity is closed: reopen it before moving it."))
    stage = Stage.objects.filter(pk=stage_id).first() if isinstance(stage_id, int) else None
    if stage is None:
        raise _field_error("stage", _("Unknown stage."))
    _check_stage(opportunity.pipeline, stage)
    if position is not None and (not isinstance(position, int) or isinstance(position, bool) or position < 0):
        raise _field_error("position", _("The position must be a whole number from 0."))
    column = Opportunity.objects.filter(stage_id=stage.pk, status=Opportunity.Status.OPEN).exclude(pk=opportunity.pk)
    if position is None:
        new_position = _next_position(stage.pk) if stage.pk != opportunity.stage_id else opportunity.position
    else:
        new_position = _position_at(column, position)
    now = timezone.now()
    previous = opportunity.stage
    if stage.pk != previous.pk:
        StageChange.objects.create(
            opportunity=opportunity,
            from_stage=previous,
            to_stage=stage,
            status=Opportunity.Status.OPEN,
            seconds_in_previous=_seconds_since(opportunity.stage_entered_at, now),
            changed_by=actor,
            changed_at=now,
        )
        opportunity.stage = stage
        opportunity.stage_entered_at = now
        opportunity.probability = stage.probability
    opportunity.position = new_position
    opportunity.version = F("version") + 1
    opportunity.save(update_fields=["stage", "stage_entered_at", "probability", "position", "version", "updated_at"])
    opportunity.refresh_from_db(fields=["version"])
    if stage.pk != previous.pk:
        audit_log(
            actor=actor,
            action="update",
            instance=opportunity,
            subject=opportunity.customer,
            branch_id=opportunity.branch_id,
            changes={"stage": [previous.pk, stage.pk], "probability": [None, opportunity.probability]},
            message=Message(gettext_noop("Moved from %(from)s to %(to)s"), {"from": previous.name, "to": stage.name}),
        )
    return opportunity


def _close(
    *,
    actor: User,
    opportunity: Opportunity,
    status: str,
    now: dt.datetime,
    changes: dict[str, list[Any]],
    message: Message,
) -> None:
    StageChange.objects.create(
        opportunity=opportunity,
        from_stage_id=opportunity.stage_id,
        to_stage_id=opportunity.stage_id,
        status=status,
        seconds_in_previous=_seconds_since(
            opportunity.closed_at if status == Opportunity.Status.OPEN else opportunity.stage_entered_at, now
        ),
        changed_by=actor,
        changed_at=now,
    )
    audit_log(
        actor=actor,
        action="update",
        instance=opportunity,
        subject=opportunity.customer,
        branch_id=opportunity.branch_id,
        changes=changes,
        message=message,
    )


def _order_from_lines(*, actor: User, opportunity: Opportunity, payment_method: str) -> Order:
    """An order for the opportunity's products, priced by the checkout rules.

    With `payment_method` the customer has paid: the sale is recorded by `checkout` as the
    cashier would (priced by the checkout rules, paid in full, loyalty rewards earned). Without
    it the order is *placed* and unpaid (`order_place`): the agreed prices of the opportunity's
    lines and PPN, no payment invented and no points earned — revenue figures count paid orders.
    """
    from setia.sales.services import checkout as checkout_service

    lines = list(opportunity.lines.all())
    if not lines:
        raise _field_error("create_order", _("Add products to the opportunity before creating an order from it."))
    branch = opportunity.branch or actor.branch
    if branch is None:
        raise _field_error("branch", _("Choose the opportunity's branch before creating an order from it."))
    note = _("Opportunity: %(title)s") % {"title": opportunity.title}
    if payment_method:
        line_in = [
            checkout_service.LineIn(
                product_id=line.product_id,
                quantity=line.quantity,
                unit_price=line.unit_price,
                description=line.description,
            )
            for line in lines
        ]
        priced = checkout_service.quote(branch=branch, customer=opportunity.customer, lines=line_in)
        payment = checkout_service.exact_payment(priced, payment_method)
        order, _created = checkout_service.checkout(
            actor=actor,
            branch=branch,
            customer=opportunity.customer,
            lines=line_in,
            payments=[payment],
            channel=Order.Channel.PHONE,
            note=note,
        )
        return order
    config = checkout_service.sales_settings()
    return checkout_service.order_place(
        actor=actor,
        branch=branch,
        customer=opportunity.customer,
        lines=[
            checkout_service.AgreedLine(
                product_id=line.product_id,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
            )
            for line in lines
        ],
        tax_registered=config.tax_registered,
        ppn_percent=config.ppn_percent,
        prices_include_tax=config.prices_include_tax,
        note=note,
    )


@transaction.atomic
def opportunity_win(
    *,
    actor: User,
    opportunity: Opportunity,
    order: Order | None = None,
    create_order: bool = False,
    payment_method: str = "",
    note: str = "",
) -> Opportunity:
    """Mark the opportunity won (probability 100). Optionally link an existing order of the same
    customer, or create one from its product lines (see `_order_from_lines`)."""
    require(actor, "opportunities.edit")
    opportunity = _lock(actor, opportunity.pk)
    if opportunity.status != Opportunity.Status.OPEN:
        raise _field_error("status", _("This opportunity is already closed."))
    if order is not None and create_order:
        raise _field_error("order", _("Link an existing order or create a new one, not both."))
    if order is not None and order.customer_id != opportunity.customer_id:
        raise _field_error("order", _("The order belongs to another customer."))
    if payment_method and payment_method not in {m.value for m in checkout_payment_methods()}:
        raise _field_error("payment_method", _("Unknown payment method."))
    if create_order:
        order = _order_from_lines(actor=actor, opportunity=opportunity, payment_method=payment_method)
    now = timezone.now()
    _close(
        actor=actor,
        opportunity=opportunity,
        status=Opportunity.Status.WON,
        now=now,
        changes={
            "status": [Opportunity.Status.OPEN, Opportunity.Status.WON],
            "order": [None, order.pk if order else None],
        },
        message=Message(gettext_noop("Won")),
    )
    opportunity.status = Opportunity.Status.WON
    opportunity.probability = 100
    opportunity.closed_at = now
    opportunity.close_note = (note or "").strip()[:255]
    opportunity.order = order
    opportunity.lost_reason = None
    opportunity.version = F("version") + 1
    opportunity.save()
    opportunity.refresh_from_db()
    return opportunity


def checkout_payment_methods() -> list[Any]:
    """Payment methods a won opportunity's paid order may use (money, not points or cashback)."""
    from setia.sales.models import Payment

    return [m for m in Payment.Method if m not in (Payment.Method.POINTS, Payment.Method.CASHBACK)]


@transaction.atomic
def opportunity_lose(
    *, actor: User, opportunity: Opportunity, reason: LostReason | int | None, note: str = ""
) -> Opportunity:
    """Mark the opportunity lost for one of the configured reasons (required); probability 0."""
    require(actor, "opportunities.edit")
    opportunity = _lock(actor, opportunity.pk)
    if opportunity.status != Opportunity.Status.OPEN:
        raise _field_error("status", _("This opportunity is already closed."))
    reason_id = reason.pk if isinstance(reason, LostReason) else reason
    found = LostReason.objects.filter(pk=reason_id, active=True).first() if isinstance(reason_id, int) else None
    if found is None:
        raise _field_error("reason", _("Choose why the opportunity was lost."))
    now = timezone.now()
    _close(
        actor=actor,
        opportunity=opportunity,
        status=Opportunity.Status.LOST,
        now=now,
        changes={"status": [Opportunity.Status.OPEN, Opportunity.Status.LOST], "lost_reason": [None, found.pk]},
        message=Message(gettext_noop("Lost: %(reason)s"), {"reason": found.name}),
    )
    opportunity.status = Opportunity.Status.LOST
    opportunity.probability = 0
    opportunity.closed_at = now
    opportunity.lost_reason = found
    opportunity.close_note = (note or "").strip()[:255]
    opportunity.version = F("version") + 1
    opportunity.save()
    opportunity.refresh_from_db()
    return opportunity


@transaction.atomic
def opportunity_reopen(*, actor: User, opportunity: Opportunity) -> Opportunity:
    """Open a won or lost opportunity again, in the stage it closed in (at its default
    probability). A linked order stays as it is."""
    require(actor, "opportunities.edit")
    opportunity = _lock(actor, opportunity.pk)
    if opportunity.status == Opportunity.Status.OPEN:
        raise _field_error("status", _("This opportunity is already open."))
    stage = opportunity.stage
    if not stage.active:
        stage = opportunity.pipeline.stages.filter(active=True).order_by("position", "id").first() or stage
    now = timezone.now()
    previous_status = opportunity.status
    _close(
        actor=actor,
        opportunity=opportunity,
        status=Opportunity.Status.OPEN,
        now=now,
        changes={"status": [previous_status, Opportunity.Status.OPEN]},
        message=Message(gettext_noop("Reopened")),
    )
    if stage.pk != opportunity.stage_id:
        StageChange.objects.filter(opportunity=opportunity, changed_at=now, status=Opportunity.Status.OPEN).update(
            to_stage=stage
        )
    opportunity.status = Opportunity.Status.OPEN
    opportunity.stage = stage
    opportunity.probability = stage.probability
    opportunity.closed_at = None
    opportunity.lost_reason = None
    opportunity.close_note = ""
    opportunity.stage_entered_at = now
    opportunity.position = _next_position(stage.pk)
    opportunity.version = F("version") + 1
    opportunity.save()
    opportunity.refresh_from_db()
    return opportunity
