from typing import Any

from django.http import HttpRequest
from ninja import Router

from setia.accounts import selectors
from setia.accounts.roles import CAPABILITIES
from setia.accounts.schemas import BranchOut, MeOut, StaffOut

router = Router(tags=["staff and branches"])


@router.get("/me", response=MeOut, summary="The user this API key belongs to")
def get_me(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    scope = selectors.branch_scope(user)
    return {
        **StaffOut.from_orm(user).dict(),
        "capabilities": sorted(c for c in CAPABILITIES if user.has_capability(c)),
        "visible_branch_ids": None if scope.all_branches else sorted(scope.branch_ids),
    }


@router.get("/branches", response=list[BranchOut], summary="Branches the user manages")
def list_branches(request: HttpRequest) -> Any:
    return selectors.branch_list(actor=request.user, include_inactive=True)  # type: ignore[arg-type]


@router.get("/staff", response=list[StaffOut], summary="Staff the user manages")
def list_staff(request: HttpRequest, q: str = "", branch: int | None = None, role: str = "") -> Any:
    return selectors.staff_list(actor=request.user, query=q, branch_id=branch, role=role)[:500]  # type: ignore[arg-type]


@router.get("/staff/{staff_id}", response=StaffOut, summary="One staff member")
def get_staff(request: HttpRequest, staff_id: int) -> Any:
    return selectors.staff_get(actor=request.user, pk=staff_id)  # type: ignore[arg-type]
