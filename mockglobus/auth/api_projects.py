"""Managing projects and their policies through the Auth REST API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockcore.locking import locked
from mockglobus.auth import errors
from mockglobus.auth.api_identities import Caller
from mockglobus.auth.entities import Policy, Project
from mockglobus.auth.ids import as_uuid
from mockglobus.auth.part import AuthPart

if TYPE_CHECKING:
    from mockcore.state import ServiceState
    from mockglobus.auth.clients import ClientRegistry
    from mockglobus.auth.tables import Tables


class ProjectApi(AuthPart):
    """Projects and policies are visible to the project's administrators only; policies
    are stored, not enforced here (:mod:`.sessions` checks them at login)."""

    def __init__(self, state: ServiceState, tables: Tables, clients: ClientRegistry) -> None:
        super().__init__(state, tables)
        self.clients = clients

    def check_admin(self, caller: Caller, project: Project) -> None:
        """404, as for an unknown project, unless ``caller``'s account administers
        ``project``."""
        identities = self.tables.identities
        account = identities[caller.identity_id].account
        admins = {identities[a].account for a in project.admin_ids if a in identities}
        if account not in admins:
            raise errors.NotFound(f"Project {project.id} not found")

    def _project_or_404(self, caller: Caller, project_id: str) -> Project:
        caller.needs("manage_projects")
        project = self.tables.projects.get(as_uuid(project_id) or "")
        if project is None:
            raise errors.NotFound(f"Project {project_id} not found")
        self.check_admin(caller, project)
        return project

    @locked
    def get_projects(self, caller: Caller) -> list[dict[str, Any]]:
        caller.needs("manage_projects")
        out = []
        for project in self.tables.projects.values():
            try:
                self.check_admin(caller, project)
            except errors.NotFound:
                continue
            out.append(project.to_api(self.tables.identities))
        return out

    @locked
    def get_project(self, caller: Caller, project_id: str) -> dict[str, Any]:
        return self._project_or_404(caller, project_id).to_api(self.tables.identities)

    @locked
    def create_project(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        caller.needs("manage_projects")
        name, email = body.get("display_name"), body.get("contact_email")
        if not isinstance(name, str) or not name.strip():
            raise errors.BadRequest("display_name is required")
        if not isinstance(email, str) or "@" not in email:
            raise errors.BadRequest("contact_email must be an email address")
        admins = list(body.get("admin_ids") or [])
        if not admins and not body.get("admin_group_ids"):
            raise errors.BadRequest("At least one of admin_ids or admin_group_ids is required")
        unknown = [a for a in admins if a not in self.tables.identities]
        if unknown:
            raise errors.BadRequest(f"Unknown identity id(s): {', '.join(unknown)}")
        project = self.clients.add_project(
            name.strip(), email, admins, admin_group_ids=body.get("admin_group_ids")
        )
        return project.to_api(self.tables.identities)

    @locked
    def update_project(self, caller: Caller, project_id: str, body: dict[str, Any]) -> dict:
        project = self._project_or_404(caller, project_id)
        if "display_name" in body:
            project.display_name = body["display_name"]
        if "contact_email" in body:
            project.contact_email = body["contact_email"]
        if "admin_ids" in body:
            project.admin_ids = list(body["admin_ids"] or [])
        if "admin_group_ids" in body:
            project.admin_group_ids = body["admin_group_ids"]
        return project.to_api(self.tables.identities)

    @locked
    def delete_project(self, caller: Caller, project_id: str) -> dict[str, Any]:
        project = self._project_or_404(caller, project_id)
        if any(c.project == project.id for c in self.tables.clients.values()):
            raise errors.Conflict("A project with clients cannot be deleted")
        del self.tables.projects[project.id]
        return project.to_api(self.tables.identities)

    @locked
    def get_policies(self, caller: Caller) -> list[dict[str, Any]]:
        caller.needs("manage_projects")
        return [
            p.to_api()
            for p in self.tables.policies.values()
            if self._may_admin(caller, p.project_id)
        ]

    def _may_admin(self, caller: Caller, project_id: str) -> bool:
        project = self.tables.projects.get(project_id)
        if project is None:
            return False
        try:
            self.check_admin(caller, project)
        except errors.NotFound:
            return False
        return True

    def _policy_or_404(self, caller: Caller, policy_id: str) -> Policy:
        caller.needs("manage_projects")
        policy = self.tables.policies.get(as_uuid(policy_id) or "")
        if policy is None or not self._may_admin(caller, policy.project_id):
            raise errors.NotFound(f"Policy {policy_id} not found")
        return policy

    @locked
    def get_policy(self, caller: Caller, policy_id: str) -> dict[str, Any]:
        return self._policy_or_404(caller, policy_id).to_api()

    _POLICY_FIELDS = (
        "display_name",
        "description",
        "high_assurance",
        "authentication_assurance_timeout",
        "required_mfa",
        "domain_constraints_include",
        "domain_constraints_exclude",
    )

    @locked
    def create_policy(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        caller.needs("manage_projects")
        project_id = body.get("project_id")
        if not isinstance(project_id, str) or not self._may_admin(caller, project_id):
            raise errors.BadRequest("A project_id of a project you administer is required")
        if not body.get("display_name"):
            raise errors.BadRequest("display_name is required")
        policy = Policy(
            id=str(self.ids.uuid4()), project_id=project_id, display_name=body["display_name"]
        )
        for key in self._POLICY_FIELDS[1:]:
            if key in body:
                setattr(policy, key, body[key])
        self.tables.policies[policy.id] = policy
        return policy.to_api()

    @locked
    def update_policy(self, caller: Caller, policy_id: str, body: dict[str, Any]) -> dict:
        policy = self._policy_or_404(caller, policy_id)
        for key in self._POLICY_FIELDS:
            if key in body:
                setattr(policy, key, body[key])
        return policy.to_api()

    @locked
    def delete_policy(self, caller: Caller, policy_id: str) -> dict[str, Any]:
        policy = self._policy_or_404(caller, policy_id)
        del self.tables.policies[policy.id]
        return policy.to_api()
