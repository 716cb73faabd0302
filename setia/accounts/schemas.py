from ninja import Schema


class BranchOut(Schema):
    id: int
    name: str
    code: str
    city: str
    province: str
    phone: str
    is_active: bool


class StaffOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    role: str
    branch_id: int | None
    is_active: bool


class MeOut(StaffOut):
    capabilities: list[str]
    visible_branch_ids: list[int] | None
