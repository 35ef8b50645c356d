"""The operator's commands: init, demo and create-user on a fresh database."""

from sqlalchemy import func, select

from server.extensions import db
from server.models import ChecklistVersion, Hospital, Location, User


def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_init_migrates_and_loads_the_three_checklists(empty_app):
    result = _invoke(empty_app, "init")
    assert result.exit_code == 0, result.output
    ids = db.session.scalars(select(ChecklistVersion.checklist_id)).all()
    assert sorted(ids) == ["civilized-city", "infection-control", "smoke-free"]


def test_init_twice_stores_no_new_version(empty_app):
    _invoke(empty_app, "init")
    result = _invoke(empty_app, "init")
    assert result.exit_code == 0
    assert "loaded" not in result.output
    assert db.session.scalar(select(func.count()).select_from(ChecklistVersion)) == 3


def test_demo_seeds_the_demo_hospital_once(empty_app):
    _invoke(empty_app, "init")
    first = _invoke(empty_app, "demo")
    second = _invoke(empty_app, "demo")
    assert "password:" in first.output
    assert second.output == ""
    assert db.session.scalar(select(func.count()).select_from(Hospital)) == 1
    usernames = set(db.session.scalars(select(User.username)))
    assert usernames == {"admin", "supervisor", "inspector", "depthead"}
    assert db.session.scalar(select(func.count()).select_from(Location)) > 20


def test_demo_password_comes_from_the_environment_setting(empty_app):
    empty_app.config["DEMO_PASSWORD"] = "walk-the-wards"
    _invoke(empty_app, "init")
    _invoke(empty_app, "demo")
    response = empty_app.test_client().post(
        "/api/v1/auth/login", json={"username": "supervisor", "password": "walk-the-wards"}
    )
    assert response.status_code == 200


def test_create_user_makes_a_user_who_can_log_in(empty_app):
    _invoke(empty_app, "init")
    _invoke(empty_app, "demo")
    result = _invoke(
        empty_app,
        "create-user",
        "wang",
        "--display-name",
        "王护士长",
        "--role",
        "department_head",
        "--hospital",
        "demo",
        "--department",
        "nursing",
        "--password",
        "ward-round-7",
    )
    assert result.exit_code == 0, result.output
    response = empty_app.test_client().post(
        "/api/v1/auth/login", json={"username": "wang", "password": "ward-round-7"}
    )
    assert response.json["user"]["roles"] == ["department_head"]
    assert response.json["user"]["department_id"] is not None


def test_create_user_refuses_an_unknown_department(empty_app):
    _invoke(empty_app, "init")
    _invoke(empty_app, "demo")
    result = empty_app.test_cli_runner().invoke(
        args=[
            "create-user",
            "li",
            "--display-name",
            "李",
            "--role",
            "inspector",
            "--hospital",
            "demo",
            "--department",
            "no_such_dept",
            "--password",
            "long-enough-1",
        ]
    )
    assert result.exit_code != 0
    assert db.session.scalar(select(User).where(User.username == "li")) is None
