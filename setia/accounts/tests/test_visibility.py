from setia.accounts.selectors import branch_scope, staff_list
from setia.accounts.services import business_settings_update
from setia.conftest import Business, make_user


def test_front_office_sees_own_branch_only(business: Business) -> None:
    scope = branch_scope(business.cashier_a)
    assert not scope.all_branches and scope.branch_ids == {business.branch_a.pk}
    assert scope.allows(business.branch_a.pk) and not scope.allows(business.branch_b.pk)


def test_manager_sees_managed_branches(business: Business) -> None:
    business.manager.managed_branches.add(business.branch_b)
    assert branch_scope(business.manager).branch_ids == {business.branch_a.pk, business.branch_b.pk}


def test_back_office_and_owner_see_all(business: Business) -> None:
    assert branch_scope(business.owner).all_branches
    assert branch_scope(business.analyst).all_branches
    assert branch_scope(make_user("mkt", "marketing")).all_branches


def test_sharing_setting_lets_every_branch_see_every_customer(business: Business) -> None:
    business_settings_update(actor=business.owner, share_customers_across_branches=True)
    assert branch_scope(business.cashier_b).all_branches
    assert branch_scope(business.manager).all_branches


def test_inactive_user_sees_nothing(business: Business) -> None:
    business.cashier_a.is_active = False
    assert branch_scope(business.cashier_a).branch_ids == frozenset()
    assert not branch_scope(business.cashier_a).all_branches


def test_manager_lists_only_staff_of_managed_branches(business: Business) -> None:
    usernames = set(staff_list(actor=business.manager).values_list("username", flat=True))
    assert usernames == {"manager", "cashier_a"}
