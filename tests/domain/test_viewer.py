"""Who may see a contact (help page: Managing followers -- "Restrict data visibility to only
assigned data")."""

from __future__ import annotations

import pytest

from domain.viewer import Role, Viewer

ME = "me"


def viewer(assigned_only: bool, role: Role = Role.USER) -> Viewer:
    return Viewer(user_id=ME, location_id="loc", role=role, assigned_only=assigned_only)


CASES = [
    pytest.param(ME, [], id="owner"),
    pytest.param("other", ["a", ME], id="follower"),
    pytest.param(ME, [ME], id="owner-and-follower"),
    pytest.param("other", ["a", "b"], id="someone-else's"),
    pytest.param(None, [], id="unassigned"),
    pytest.param(None, ["a"], id="unowned-with-other-followers"),
]


@pytest.mark.parametrize(("owner_id", "follower_ids"), CASES)
def test_unrestricted_viewer_sees_every_contact(
    owner_id: str | None, follower_ids: list[str]
) -> None:
    assert viewer(assigned_only=False).can_see(owner_id, follower_ids)


@pytest.mark.parametrize(
    ("owner_id", "follower_ids", "visible"),
    [
        pytest.param(ME, [], True, id="owner"),
        pytest.param("other", ["a", ME], True, id="follower"),
        pytest.param(None, [ME], True, id="follower-of-unowned"),
        pytest.param("other", ["a", "b"], False, id="someone-else's"),
        pytest.param(None, [], False, id="unassigned"),
        pytest.param(None, ["a"], False, id="unowned-with-other-followers"),
    ],
)
def test_assigned_only_viewer_sees_only_contacts_they_own_or_follow(
    owner_id: str | None, follower_ids: list[str], visible: bool
) -> None:
    assert viewer(assigned_only=True).can_see(owner_id, follower_ids) is visible


def test_follower_ids_may_be_a_tuple() -> None:
    restricted = viewer(assigned_only=True)

    assert restricted.can_see("other", ("a", ME))
    assert not restricted.can_see("other", ("a", "b"))


def test_a_similar_id_is_not_a_match() -> None:
    restricted = viewer(assigned_only=True)

    assert not restricted.can_see("me2", ["m", "e", "Me"])


def test_is_admin_follows_the_role() -> None:
    assert viewer(False, Role.ADMIN).is_admin
    assert not viewer(False, Role.USER).is_admin
