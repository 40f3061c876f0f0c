"""The Airflow users of the production deployment, created from the environment by
docker-compose.yml's one-shot `airflow-init` (`python -m vnreports.airflow_users`, after
`airflow db migrate`), with the FAB auth manager's roles:

  AIRFLOW_ADMIN_USERNAME,    AIRFLOW_ADMIN_PASSWORD     Admin: everything, users and roles included (required)
  AIRFLOW_OPERATOR_USERNAME, AIRFLOW_OPERATOR_PASSWORD  Op: trigger runs, clear and mark tasks, plus
                                                        connections, variables, pools (optional)
  AIRFLOW_VIEWER_USERNAME,   AIRFLOW_VIEWER_PASSWORD    Viewer: reads DAGs, runs, task logs (optional)

An optional user is created when both its variables are set (one without the other is an error).
A user that exists already is left as it is, password included: change a password with
`airflow users reset-password`, a role with `airflow users add-role` / `remove-role`. With OAuth or
LDAP (a webserver_config.py, see docker-compose.yml) people sign in with their own accounts and
get these roles from AUTH_ROLES_MAPPING; the admin user stays a local break-glass account.

It does what the FAB provider's `airflow users create` does (the same security manager calls),
for every user in one process: one Airflow start instead of three, and no password on a
command line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"

# (prefix of the two variables, FAB role, required)
ROLE_USERS = (
    ("AIRFLOW_ADMIN", "Admin", True),
    ("AIRFLOW_OPERATOR", "Op", False),
    ("AIRFLOW_VIEWER", "Viewer", False),
)


@dataclass(frozen=True)
class UserSpec:
    username: str
    password: str
    role: str

    def __repr__(self) -> str:  # never print the password
        return f"UserSpec(username={self.username!r}, role={self.role!r})"


def users_from_env(env: Mapping[str, str]) -> list[UserSpec]:
    """The users the environment asks for; SystemExit naming the variable that is missing."""
    users = []
    for prefix, role, required in ROLE_USERS:
        username = env.get(f"{prefix}_USERNAME", "").strip()
        password = env.get(f"{prefix}_PASSWORD", "")
        if not username and not password and not required:
            continue
        missing = [f"{prefix}_{part}" for part, value in (("USERNAME", username), ("PASSWORD", password))
                   if not value]
        if missing:
            raise SystemExit(f"{' and '.join(missing)} not set: the {role} user needs a username and a password")
        users.append(UserSpec(username, password, role))
    names = [u.username for u in users]
    if len(set(names)) != len(names):
        raise SystemExit(f"one username for two roles: {names}")
    return users


def create_users(users: list[UserSpec]) -> list[str]:
    """Create the users that do not exist yet; returns a line per user saying what happened."""
    from airflow.configuration import conf

    auth_manager = conf.get("core", "auth_manager")
    if auth_manager != FAB_AUTH_MANAGER:
        raise SystemExit(f"AIRFLOW__CORE__AUTH_MANAGER is {auth_manager}: users and roles need {FAB_AUTH_MANAGER}")

    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder
    from airflow.utils.providers_configuration_loader import providers_configuration_loaded

    @providers_configuration_loaded  # the [fab] settings, as for `airflow users create`
    def create() -> list[str]:
        done = []
        with get_application_builder() as appbuilder:  # syncs FAB's roles and permissions first
            security = appbuilder.sm
            for user in users:
                role = security.find_role(user.role)
                if role is None:
                    raise SystemExit(f"no role {user.role!r}; roles: {[r.name for r in security.get_all_roles()]}")
                if security.find_user(username=user.username):
                    done.append(f"{user.role} user {user.username!r} exists; left unchanged")
                    continue
                if not security.add_user(user.username, user.username, user.role, f"{user.username}@localhost",
                                         role, user.password):
                    raise SystemExit(f"could not create the {user.role} user {user.username!r}")
                done.append(f"{user.role} user {user.username!r} created")
        return done

    return create()


def main() -> None:
    for line in create_users(users_from_env(os.environ)):
        print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
