"""Users of the caller's hospitals: listed for assignment, created and changed by admins."""

import pytest

from server.models import User
from server.services.permissions import POLICY
from tests import factories

USERS = "/api/v1/users"


def _new_user(hospital_id: int, **overrides) -> dict:
    return {
        "username": "new.inspector",
        "display_name": "新检查员",
        "password": "ward-round-7",
        "roles": ["inspector"],
        "hospital_ids": [hospital_id],
        **overrides,
    }


@pytest.fixture
def stranger(session, other_hospital):
    """A user of another hospital, whom no one in ``hospital`` may see."""
    user = factories.user(session, other_hospital, roles=("inspector",))
    session.commit()
    return user


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisors_and_admins_list_the_users_of_their_hospital(client, make_user, stranger, role):
    caller, headers = make_user(role)
    colleague, _ = make_user("inspector")
    response = client.get(USERS, headers=headers)
    assert response.status_code == 200
    assert {user["username"] for user in response.json} == {caller.username, colleague.username}


def test_listed_users_carry_the_user_object(client, hospital, make_user):
    caller, headers = make_user("supervisor")
    (listed,) = client.get(USERS, headers=headers).json
    assert listed == {
        **listed,
        "id": caller.id,
        "username": caller.username,
        "display_name": caller.display_name,
        "roles": ["supervisor"],
        "hospital_ids": [hospital.id],
        "department_id": None,
    }


def test_inactive_users_are_not_offered_for_assignment(client, session, hospital, make_user):
    caller, headers = make_user("supervisor")
    factories.user(session, hospital, active=False)
    session.commit()
    assert [user["id"] for user in client.get(USERS, headers=headers).json] == [caller.id]


def test_users_can_be_filtered_by_role(client, make_user):
    _caller, headers = make_user("supervisor")
    inspector, _ = make_user("inspector")
    make_user("department_head")
    response = client.get(f"{USERS}?role=inspector", headers=headers)
    assert [user["id"] for user in response.json] == [inspector.id]


def test_users_can_be_filtered_by_department(client, session, hospital, make_user):
    _caller, headers = make_user("supervisor")
    department = factories.department(session, hospital)
    head, _ = make_user("department_head", department_id=department.id)
    make_user("department_head")
    response = client.get(f"{USERS}?department_id={department.id}", headers=headers)
    assert [user["id"] for user in response.json] == [head.id]


def test_inspectors_may_not_list_users(client, make_user, assert_error):
    _caller, headers = make_user("inspector")
    assert_error(client.get(USERS, headers=headers), 403, "auth.forbidden")


def test_a_leader_lists_the_users_of_their_hospital(client, make_user, stranger):
    caller, headers = make_user("leader")
    colleague, _ = make_user("inspector")
    response = client.get(USERS, headers=headers)
    assert {user["username"] for user in response.json} == {caller.username, colleague.username}


@pytest.fixture
def ward(session, hospital):
    """A ward with its head, a nurse, a nurse who left, and a colleague of another department."""
    ward = factories.department(session, hospital, code="ward")
    people = {
        "head": factories.user(session, hospital, roles=("department_head",), department=ward),
        "nurse": factories.user(session, hospital, department=ward),
        "gone": factories.user(session, hospital, department=ward, active=False),
        "outsider": factories.user(session, hospital),
    }
    session.commit()
    return ward, people


def test_a_department_head_lists_the_active_members_of_their_department(client, session, ward):
    department, people = ward
    headers = factories.auth_headers(session, people["head"])
    session.commit()

    everyone = client.get(f"{USERS}?include_inactive=true", headers=headers).json
    asked = client.get(f"{USERS}?department_id={department.id}", headers=headers).json

    expected = {people["head"].id, people["nurse"].id}
    assert {user["id"] for user in everyone} == {user["id"] for user in asked} == expected


def test_a_department_head_may_not_list_another_department(
    client, session, hospital, ward, assert_error
):
    _, people = ward
    headers = factories.auth_headers(session, people["head"])
    other = factories.department(session, hospital)
    session.commit()

    response = client.get(f"{USERS}?department_id={other.id}", headers=headers)

    assert_error(response, 403, "auth.forbidden")


def test_a_department_head_without_a_department_lists_nobody(client, make_user, assert_error):
    _caller, headers = make_user("department_head")
    assert_error(client.get(USERS, headers=headers), 403, "auth.forbidden")


def test_a_user_of_the_same_hospital_can_be_fetched(client, make_user):
    _caller, headers = make_user("supervisor")
    colleague, _ = make_user("inspector")
    response = client.get(f"{USERS}/{colleague.id}", headers=headers)
    assert response.status_code == 200
    assert response.json["username"] == colleague.username


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_a_user_of_another_hospital_is_not_found(client, make_user, stranger, assert_error, role):
    _caller, headers = make_user(role)
    response = client.get(f"{USERS}/{stranger.id}", headers=headers)
    assert_error(response, 404, "user.not_found")


def test_another_hospitals_user_and_a_missing_user_get_the_same_answer(client, make_user, stranger):
    _caller, headers = make_user("admin")
    foreign = client.get(f"{USERS}/{stranger.id}", headers=headers)
    missing = client.get(f"{USERS}/{stranger.id + 1000}", headers=headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json == missing.json


def test_users_need_a_token(client, assert_error):
    assert_error(client.get(USERS), 401, "auth.required")


def test_admin_creates_a_user(client, session, hospital, make_user):
    _admin, headers = make_user("admin")
    department = factories.department(session, hospital)
    session.commit()
    body = _new_user(hospital.id, roles=["inspector", "department_head"])
    response = client.post(USERS, json={**body, "department_id": department.id}, headers=headers)
    assert response.status_code == 201
    assert response.json == {
        **response.json,
        "username": "new.inspector",
        "display_name": "新检查员",
        "roles": ["department_head", "inspector"],
        "hospital_ids": [hospital.id],
        "department_id": department.id,
    }
    assert "password" not in response.json


def test_a_created_user_can_log_in(client, hospital, make_user):
    _admin, headers = make_user("admin")
    client.post(USERS, json=_new_user(hospital.id), headers=headers)
    response = client.post(
        "/api/v1/auth/login", json={"username": "new.inspector", "password": "ward-round-7"}
    )
    assert response.status_code == 200
    assert response.json["user"]["roles"] == ["inspector"]


def test_a_taken_username_is_409(client, hospital, make_user, assert_error):
    _admin, headers = make_user("admin")
    colleague, _ = make_user("inspector")
    response = client.post(
        USERS, json=_new_user(hospital.id, username=colleague.username), headers=headers
    )
    body = assert_error(response, 409, "user.exists")
    assert set(body["errors"]) == {"username"}


@pytest.mark.parametrize(
    "role", ["supervisor", "inspector", "department_head", "leader", "recorder"]
)
def test_only_admins_create_users(client, hospital, make_user, assert_error, role):
    _caller, headers = make_user(role)
    response = client.post(USERS, json=_new_user(hospital.id), headers=headers)
    assert_error(response, 403, "auth.forbidden")


def test_an_unknown_role_is_422_naming_roles(client, hospital, make_user, assert_error):
    _admin, headers = make_user("admin")
    response = client.post(USERS, json=_new_user(hospital.id, roles=["root"]), headers=headers)
    body = assert_error(response, 422, "request.invalid")
    assert set(body["errors"]) == {"roles"}


def test_a_department_of_another_hospital_is_422_naming_department_id(
    client, hospital, other_hospital, make_user, assert_error
):
    _admin, headers = make_user("admin")
    foreign = other_hospital.departments[0]
    body = _new_user(hospital.id, department_id=foreign.id)
    response = client.post(USERS, json=body, headers=headers)
    body = assert_error(response, 422, "request.invalid")
    assert set(body["errors"]) == {"department_id"}


def test_a_hospital_outside_the_admins_scope_is_422_naming_hospital_ids(
    client, hospital, other_hospital, make_user, assert_error
):
    _admin, headers = make_user("admin")
    body = _new_user(hospital.id, hospital_ids=[hospital.id, other_hospital.id])
    response = client.post(USERS, json=body, headers=headers)
    body = assert_error(response, 422, "request.invalid")
    assert set(body["errors"]) == {"hospital_ids"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"password": "short"}, "password", id="short-password"),
        pytest.param({"username": "a b"}, "username", id="space-in-username"),
        pytest.param({"username": "new.user\n"}, "username", id="newline-after-username"),
        pytest.param({"display_name": "王\x00"}, "display_name", id="nul-in-display-name"),
        pytest.param({"hospital_ids": []}, "hospital_ids", id="no-hospital"),
        pytest.param({"hospital_ids": [2**40]}, "hospital_ids", id="id-too-large"),
        pytest.param({"department_id": 0}, "department_id", id="department-zero"),
    ],
)
def test_invalid_user_fields_are_422_naming_the_field(
    client, hospital, make_user, assert_error, changes, field
):
    _admin, headers = make_user("admin")
    response = client.post(USERS, json=_new_user(hospital.id, **changes), headers=headers)
    body = assert_error(response, 422, "request.invalid")
    assert set(body["errors"]) == {field}


def test_a_refused_user_is_not_stored(client, hospital, make_user):
    _admin, headers = make_user("admin")
    client.post(USERS, json=_new_user(hospital.id, roles=["root"]), headers=headers)
    response = client.post(
        "/api/v1/auth/login", json={"username": "new.inspector", "password": "ward-round-7"}
    )
    assert response.status_code == 401


# --- PATCH /users/<id>: administrators change accounts --------------------------------------


def _login(client, username: str, password: str):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def member(client, admin, hospital):
    """An inspector the administrator created, logged in on a device."""
    body = _new_user(hospital.id)
    user = client.post(USERS, json=body, headers=admin[1]).json
    token = _login(client, body["username"], body["password"]).json["token"]
    return {**user, "headers": {"Authorization": f"Bearer {token}"}}


def test_an_admin_changes_name_roles_and_department(client, session, admin, member, hospital):
    department = factories.department(session, hospital)
    session.commit()
    changes = {"display_name": "督导员", "roles": ["supervisor"], "department_id": department.id}

    response = client.patch(f"{USERS}/{member['id']}", json=changes, headers=admin[1])

    assert response.status_code == 200, response.get_data(as_text=True)
    assert {key: response.json[key] for key in changes} == changes


def test_deactivating_ends_the_users_sessions_and_logins(client, admin, member):
    response = client.patch(f"{USERS}/{member['id']}", json={"active": False}, headers=admin[1])

    assert response.json["active"] is False
    assert client.get("/api/v1/me", headers=member["headers"]).status_code == 401
    assert _login(client, "new.inspector", "ward-round-7").status_code == 401


def test_a_deactivated_user_is_listed_only_when_asked(client, admin, member):
    client.patch(f"{USERS}/{member['id']}", json={"active": False}, headers=admin[1])

    active = client.get(USERS, headers=admin[1]).json
    everyone = client.get(f"{USERS}?include_inactive=true", headers=admin[1]).json

    assert member["id"] not in {user["id"] for user in active}
    assert member["id"] in {user["id"] for user in everyone}


def test_a_new_password_works_and_ends_the_old_sessions(client, admin, member):
    body = {"password": "new-secret-42"}

    client.patch(f"{USERS}/{member['id']}", json=body, headers=admin[1])

    assert client.get("/api/v1/me", headers=member["headers"]).status_code == 401
    assert _login(client, "new.inspector", "ward-round-7").status_code == 401
    assert _login(client, "new.inspector", "new-secret-42").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"), [({"active": False}, "active"), ({"roles": ["inspector"]}, "roles")]
)
def test_an_admin_cannot_lock_themselves_out(client, admin, body, field, assert_error):
    response = client.patch(f"{USERS}/{admin[0].id}", json=body, headers=admin[1])

    error = assert_error(response, 409, "user.self_lockout")
    assert field in error["errors"]


def test_a_department_of_another_hospital_is_refused(
    client, session, admin, member, other_hospital, assert_error
):
    foreign = factories.department(session, other_hospital)
    session.commit()

    response = client.patch(
        f"{USERS}/{member['id']}", json={"department_id": foreign.id}, headers=admin[1]
    )

    error = assert_error(response, 422, "request.invalid")
    assert "department_id" in error["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "short"}, "password"),
        ({"roles": ["nurse"]}, "roles"),
        ({"active": "maybe"}, "active"),
        ({"active": 0}, "active"),
        ({"active": 1}, "active"),
        ({"active": "false"}, "active"),
    ],
)
def test_bad_changes_name_the_field(client, admin, member, body, field, assert_error):
    response = client.patch(f"{USERS}/{member['id']}", json=body, headers=admin[1])

    error = assert_error(response, 422, "request.invalid")
    assert field in str(error["errors"])


def test_an_empty_change_is_refused(client, admin, member, assert_error):
    assert_error(
        client.patch(f"{USERS}/{member['id']}", json={}, headers=admin[1]), 422, "request.invalid"
    )


def test_only_admins_change_users(client, make_user, member, assert_error):
    _supervisor, headers = make_user("supervisor")

    response = client.patch(f"{USERS}/{member['id']}", json={"active": False}, headers=headers)

    assert_error(response, 403, "auth.forbidden")


def test_a_user_of_another_hospital_cannot_be_changed(client, admin, stranger, assert_error):
    response = client.patch(f"{USERS}/{stranger.id}", json={"active": False}, headers=admin[1])

    assert_error(response, 404, "user.not_found")


# --- a user of two hospitals belongs to neither admin alone (issue 10) -----------------------


@pytest.fixture
def shared(session, hospital, other_hospital):
    """A health-commission supervisor of ``hospital`` and ``other_hospital``."""
    user = factories.user(session, hospital, roles=("supervisor",))
    user.hospitals.append(other_hospital)
    session.commit()
    return user


def _stored_user(session, user_id: int) -> User:
    session.commit()
    session.expire_all()
    return session.get(User, user_id)


def test_an_admin_cannot_give_roles_to_a_user_who_also_belongs_to_another_hospital(
    client, session, admin, shared, assert_error
):
    body = {"roles": ["admin", "supervisor"]}
    response = client.patch(f"{USERS}/{shared.id}", json=body, headers=admin[1])

    assert_error(response, 403, "user.out_of_scope")
    assert _stored_user(session, shared.id).roles == ["supervisor"]


def test_an_admin_cannot_set_the_password_of_a_user_who_also_belongs_to_another_hospital(
    client, shared, admin, assert_error
):
    body = {"password": "taken-over-42"}
    response = client.patch(f"{USERS}/{shared.id}", json=body, headers=admin[1])

    assert_error(response, 403, "user.out_of_scope")
    assert _login(client, shared.username, "taken-over-42").status_code == 401
    assert _login(client, shared.username, factories.PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"display_name": "改名"},
        {"active": False},
        {"department_id": None},
        {"roles": ["supervisor", "inspector"]},
    ],
    ids=["name", "deactivate", "department", "roles"],
)
def test_no_change_reaches_a_user_of_two_hospitals_through_one_hospitals_admin(
    client, session, admin, shared, body, assert_error
):
    response = client.patch(f"{USERS}/{shared.id}", json=body, headers=admin[1])

    assert_error(response, 403, "user.out_of_scope")
    stored = _stored_user(session, shared.id)
    assert (stored.display_name, stored.active, stored.roles) == (
        shared.display_name,
        True,
        ["supervisor"],
    )


def test_the_takeover_of_another_hospital_through_a_shared_user_fails_at_every_step(
    client, session, admin, shared, other_hospital
):
    """The sequence of issue 10: escalate the shared user, set their password, act in B."""
    victim = factories.user(session, other_hospital, roles=("inspector",))
    task = factories.task(session, other_hospital)
    session.commit()
    patch = f"{USERS}/{shared.id}"
    escalate = client.patch(patch, json={"roles": ["admin", "supervisor"]}, headers=admin[1])
    password = client.patch(patch, json={"password": "taken-over-42"}, headers=admin[1])
    login = _login(client, shared.username, "taken-over-42")

    assert (escalate.status_code, password.status_code, login.status_code) == (403, 403, 401)
    # Even the real account, a supervisor, cannot reach B's users; B's tasks are its own work.
    real = {"Authorization": f"Bearer {factories.token(session, shared)}"}
    session.commit()
    victim_patch = client.patch(f"{USERS}/{victim.id}", json={"password": "x" * 12}, headers=real)
    assert victim_patch.status_code == 403
    assert client.get(f"/api/v1/tasks/{task.id}", headers=real).status_code == 200


def test_each_admin_still_sees_a_user_of_two_hospitals(client, make_user, shared, other_hospital):
    _, own_admin = make_user("admin")
    _, other_admin = make_user("admin", hospital=other_hospital)
    for headers in (own_admin, other_admin):
        assert client.get(f"{USERS}/{shared.id}", headers=headers).status_code == 200


def test_an_admin_of_both_hospitals_changes_a_user_of_both(
    client, session, hospital, other_hospital, shared
):
    both = factories.user(session, hospital, roles=("admin",))
    both.hospitals.append(other_hospital)
    headers = factories.auth_headers(session, both)
    session.commit()

    body = {"roles": ["supervisor", "inspector"], "password": "rotated-secret-9"}
    response = client.patch(f"{USERS}/{shared.id}", json=body, headers=headers)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["roles"] == ["inspector", "supervisor"]


def test_another_hospital_and_an_unknown_hospital_are_refused_alike_on_create(
    client, hospital, other_hospital, admin, assert_error
):
    foreign = client.post(
        USERS, json=_new_user(hospital.id, hospital_ids=[other_hospital.id]), headers=admin[1]
    )
    unknown = client.post(
        USERS, json=_new_user(hospital.id, hospital_ids=[other_hospital.id + 100]), headers=admin[1]
    )

    first = assert_error(foreign, 422, "request.invalid")
    second = assert_error(unknown, 422, "request.invalid")
    assert first["message"] == second["message"]
    assert set(first["errors"]) == set(second["errors"]) == {"hospital_ids"}


def test_an_admin_cannot_create_a_user_of_two_hospitals_when_one_is_not_theirs(
    client, hospital, other_hospital, admin
):
    body = _new_user(hospital.id, hospital_ids=[hospital.id, other_hospital.id])
    client.post(USERS, json=body, headers=admin[1])

    assert _login(client, body["username"], body["password"]).status_code == 401


def test_a_role_the_admin_may_not_grant_is_refused(
    client, hospital, admin, member, monkeypatch, assert_error
):
    """With a power only supervisors hold, an admin can no longer hand out the supervisor role."""
    monkeypatch.setitem(POLICY, "tasks.manage", frozenset({"supervisor"}))

    created = client.post(
        USERS, json=_new_user(hospital.id, username="sup", roles=["supervisor"]), headers=admin[1]
    )
    changed = client.patch(
        f"{USERS}/{member['id']}", json={"roles": ["supervisor"]}, headers=admin[1]
    )

    for response in (created, changed):
        body = assert_error(response, 403, "user.role_not_grantable")
        assert set(body["errors"]) == {"roles"}
