"""Two people move the same opportunity at the same moment (real threads, PostgreSQL)."""

import threading

import pytest
from django.db import close_old_connections, connection

from setia.accounts.models import User
from setia.conftest import Business, make_user
from setia.sales.models import Opportunity, StageChange
from setia.sales.services import pipeline as service

ROUNDS = 5


def _move_at_once(opportunity_id: int, moves: list[tuple[User, int]]) -> list[BaseException]:
    """Each (actor, stage id) in its own thread and connection, released together."""
    barrier = threading.Barrier(len(moves))
    errors: list[BaseException] = []

    def move(actor: User, stage_id: int) -> None:
        try:
            barrier.wait()
            service.opportunity_move(actor=actor, opportunity_id=opportunity_id, stage_id=stage_id)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=move, args=pair) for pair in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_moves_end_in_one_state_with_both_in_history(business: Business, shop: dict) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests run on PostgreSQL (make test-postgres)")
    budi = make_user("budi", "sales", business.branch_a)
    dewi = make_user("dewi", "sales", business.branch_a)
    stages = list(service.default_pipeline().stages.order_by("position"))
    for _round in range(ROUNDS):
        opportunity = service.opportunity_create(actor=budi, customer=shop["customer"], title="Seragam")
        errors = _move_at_once(opportunity.pk, [(budi, stages[1].pk), (dewi, stages[2].pk)])
        assert errors == [], [repr(e) for e in errors] + [str(_round)]
        final = Opportunity.objects.get(pk=opportunity.pk)
        moves = list(StageChange.objects.filter(opportunity=opportunity).order_by("id")[1:])
        assert len(moves) == 2
        first, second = moves
        # Both started from the first stage; the second to take the lock starts where the first ended.
        assert first.from_stage_id == stages[0].pk
        assert second.from_stage_id == first.to_stage_id
        assert {first.to_stage_id, second.to_stage_id} == {stages[1].pk, stages[2].pk}
        assert {first.changed_by_id, second.changed_by_id} == {budi.pk, dewi.pk}
        assert final.stage_id == second.to_stage_id
        assert final.probability == (25 if final.stage_id == stages[1].pk else 50)
        assert final.version == 3
        assert final.stage_entered_at == second.changed_at
