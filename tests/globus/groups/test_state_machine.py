"""Hypothesis drives random batch membership actions by random people and checks the
membership invariants after every step (model level, no HTTP)."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from mockglobus import GlobusDouble
from mockglobus.auth.scopes import GROUPS_RS
from mockglobus.groups import TRANSITIONS, GroupsError
from mockglobus.groups.entities import ROLES, STATUSES
from mockglobus.groups.memberships import MANAGERS_ONLY

from .conftest import ALICE, BOB, BOB_LINKED, CAROL, DAVE, add_people

PEOPLE = (ALICE, BOB, CAROL, DAVE)
TARGETS = (ALICE, BOB, BOB_LINKED, CAROL, DAVE)

DOUBLE = GlobusDouble(faker_users=0)  # built once; reset for every example
add_people(DOUBLE)


class MembershipMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        DOUBLE.reset()
        add_people(DOUBLE)
        self.groups = DOUBLE.groups
        self.callers = {
            u: DOUBLE.state.auth_for_groups.caller_for_token(
                DOUBLE.token_for(u, resource_server=GROUPS_RS)
            )
            for u in PEOPLE
        }
        self.ids = {u: DOUBLE.auth.identity(u).id for u in TARGETS}
        self.gid = self.groups.create_group(self.callers[ALICE], {"name": "Lab"})["id"]
        self.generation = self.groups.generation

    def _memberships(self) -> dict[str, tuple[str, str]]:
        group = self.groups.t.groups[self.gid]
        return {i: (m.role, m.status) for i, m in group.memberships.items()}

    def _role(self, actor: str) -> str | None:
        return self.groups.lookups.role(self.groups.t.groups[self.gid], self.callers[actor])

    @rule(
        actor=st.sampled_from(PEOPLE),
        action=st.sampled_from(tuple(TRANSITIONS)),
        who=st.sampled_from(TARGETS),
        role=st.sampled_from(ROLES),
    )
    def act(self, actor: str, action: str, who: str, role: str) -> None:
        before = copy.deepcopy(self._memberships())
        actor_role = self._role(actor)
        target_id = self.ids[who]
        entry = {"identity_id": target_id, "role": role}
        try:
            answer = self.groups.memberships.batch_membership_action(
                self.callers[actor], self.gid, {action: [entry]}
            )
        except GroupsError as refused:
            assert refused.status == 403
            needed = ("admin",) if action == "change_role" else ("admin", "manager")
            assert action in MANAGERS_ONLY and actor_role not in needed
            assert self._memberships() == before
            return
        after = self._memberships()
        if answer[action]:
            [done] = answer[action]
            old = before.get(target_id, (None, None))[1]
            assert old in TRANSITIONS[action][0], (action, old)
            assert done["status"] == after[target_id][1] == TRANSITIONS[action][1]
            assert target_id in self.callers[actor].identities or action in MANAGERS_ONLY
            if action in ("add", "invite", "change_role"):
                assert after[target_id][0] == role
            rest = {k: v for k, v in after.items() if k != target_id}
            assert rest == {k: v for k, v in before.items() if k != target_id}
        else:
            assert [e["identity_id"] for e in answer["errors"][action]] == [target_id]
            assert after == before

    @rule(
        actor=st.sampled_from(PEOPLE),
        action=st.sampled_from(("accept", "decline", "join", "request_join", "leave")),
    )
    def act_on_self(self, actor: str, action: str) -> None:
        """The identity's own actions, on itself (random targets rarely hit those)."""
        self.act(actor, action, actor, "member")

    @rule(join_requests=st.booleans(), visibility=st.sampled_from(("private", "authenticated")))
    def set_policies(self, join_requests: bool, visibility: str) -> None:
        admin = next(u for u in PEOPLE if self._role(u) == "admin")
        self.groups.set_group_policies(
            self.callers[admin],
            self.gid,
            {"join_requests": join_requests, "group_visibility": visibility},
        )

    @invariant()
    def there_is_always_an_active_admin(self) -> None:
        assert any(r == "admin" and s == "active" for r, s in self._memberships().values())

    @invariant()
    def roles_and_statuses_are_the_apis(self) -> None:
        for role, status in self._memberships().values():
            assert role in ROLES and status in STATUSES

    @invariant()
    def transfer_sees_exactly_the_active_members(self) -> None:
        memberships = self._memberships()
        for person in PEOPLE:
            account = {i.id for i in DOUBLE.auth.identity_set(self.ids[person])}
            active = any(memberships.get(i, ("", ""))[1] == "active" for i in account)
            seen = DOUBLE.state.auth_for_transfer.group_ids_of(self.ids[person])
            assert seen == ({self.gid} if active else set())

    @invariant()
    def generation_never_goes_back(self) -> None:
        assert self.groups.generation >= self.generation
        self.generation = self.groups.generation


MembershipMachine.TestCase.settings = settings(
    max_examples=80,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_membership_state_machine = MembershipMachine.TestCase
