"""The operator's commands: init, demo, create-user and org on a fresh database."""

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
    contract = {"admin", "supervisor", "inspector", "depthead", "leader"}
    assert usernames == contract | {"neike", "waike", "nurse", "recorder", "porter", "sewage"}
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


def _hospital_file(tmp_path, data: dict):
    import yaml

    path = tmp_path / "hospital.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_org_import_sets_up_a_hospital_and_says_what_it_did(empty_app, tmp_path):
    from tests import factories as f

    _invoke(empty_app, "init")

    result = _invoke(empty_app, "org", "import", str(_hospital_file(tmp_path, f.hospital_file())))

    assert result.exit_code == 0, result.output
    assert "imported hospital city-2" in result.output
    assert "5 location created" in result.output
    codes = set(db.session.scalars(select(Location.code)))
    assert codes == {"C1", "B1", "B1-1F", "B1-1F-HALL", "B1-1F-WC"}


def test_org_import_dry_run_saves_nothing(empty_app, tmp_path):
    from tests import factories as f

    _invoke(empty_app, "init")

    result = _invoke(
        empty_app, "org", "import", "--dry-run", str(_hospital_file(tmp_path, f.hospital_file()))
    )

    assert "would change hospital city-2" in result.output
    assert db.session.scalar(select(func.count()).select_from(Hospital)) == 0


def test_org_import_of_a_bad_file_names_the_field_and_exits_non_zero(empty_app, tmp_path):
    from tests import factories as f

    data = f.hospital_file()
    data["locations"][0]["children"][0]["kind"] = "wing"
    _invoke(empty_app, "init")

    result = empty_app.test_cli_runner().invoke(
        args=["org", "import", str(_hospital_file(tmp_path, data))]
    )

    assert result.exit_code == 1
    assert "location 'C1' › place 'B1' › kind: Must be one of" in result.output
    assert db.session.scalar(select(func.count()).select_from(Hospital)) == 0


def test_org_export_writes_a_file_that_imports_unchanged(empty_app, tmp_path):
    _invoke(empty_app, "init")
    _invoke(empty_app, "demo")
    exported = tmp_path / "demo.yaml"

    _invoke(empty_app, "org", "export", "demo", "--output", str(exported))
    result = _invoke(empty_app, "org", "import", str(exported))

    assert "created" not in result.output and "updated" not in result.output
    assert "location unchanged" in result.output


def test_init_creates_the_instance_folder_when_the_secret_key_is_set(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    instance = tmp_path / "not-yet" / "instance"
    env = {**os.environ, "SECRET_KEY": "from-the-environment"}
    env["WARDWALK_INSTANCE_DIR"] = str(instance)
    env.pop("DATABASE_URL", None)

    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "init"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert "checklist smoke-free v1 loaded" in result.stdout
    assert (instance / "wardwalk.db").is_file()
    assert not (instance / "secret_key").exists()  # the environment's key is the key
