"""The demo hospital: departments, a location tree and the four demo users of the contract.

Seeding is idempotent (it does nothing if the demo hospital exists), so ``wardwalk serve`` can
call it on every start of an empty install without duplicating anything.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Department, Hospital, Location, User, UserRole
from server.services.auth import hash_password
from server.services.changes import record_change

DEMO_HOSPITAL_CODE = "demo"

DEPARTMENTS = [
    ("party_office", "党政办公室（创文办）", "Party & administration office"),
    ("general_affairs", "总务科", "General affairs"),
    ("property", "物业管理中心", "Property & cleaning services"),
    ("security", "保卫科", "Security"),
    ("infection_control", "医院感染管理科", "Infection control"),
    ("nursing", "护理部", "Nursing"),
    ("medical_affairs", "医务科", "Medical affairs"),
    ("outpatient", "门诊部", "Outpatient department"),
    ("emergency", "急诊科", "Emergency"),
    ("finance", "财务科（收费处）", "Finance (cashier)"),
    ("publicity", "宣传科", "Publicity"),
    ("patient_service", "患者服务中心", "Patient service centre"),
    ("canteen", "营养膳食科", "Nutrition & canteen"),
    ("radiology", "放射科", "Radiology"),
    ("pharmacy", "药剂科", "Pharmacy"),
    ("preventive_care", "预防保健科", "Preventive care & health education"),
    ("internal_medicine", "内科", "Internal medicine"),
    ("surgery", "外科", "Surgery"),
]

# (code, zh, en, kind, department code, children)
LOCATION_TREE = [
    (
        "MAIN",
        "本部院区",
        "Main campus",
        "campus",
        "general_affairs",
        [
            (
                "OPD",
                "门诊楼",
                "Outpatient building",
                "building",
                "outpatient",
                [
                    (
                        "OPD-1F",
                        "门诊楼一层",
                        "Outpatient building 1F",
                        "floor",
                        "outpatient",
                        [
                            (
                                "OPD-1F-ENT",
                                "门诊主入口",
                                "Outpatient main entrance",
                                "area",
                                "security",
                                [],
                            ),
                            (
                                "OPD-1F-HALL",
                                "门诊大厅",
                                "Outpatient hall",
                                "area",
                                "outpatient",
                                [],
                            ),
                            ("OPD-1F-PAY", "收费窗口", "Payment windows", "area", "finance", []),
                            (
                                "OPD-1F-PHA",
                                "门诊药房",
                                "Outpatient pharmacy",
                                "area",
                                "pharmacy",
                                [],
                            ),
                            ("OPD-1F-WC", "一层卫生间", "1F toilets", "area", "property", []),
                            ("OPD-1F-LIFT", "一层电梯厅", "1F lift lobby", "area", "property", []),
                        ],
                    ),
                    (
                        "OPD-2F",
                        "门诊楼二层",
                        "Outpatient building 2F",
                        "floor",
                        "outpatient",
                        [
                            (
                                "OPD-2F-WAIT",
                                "内科候诊区",
                                "Medicine waiting area",
                                "area",
                                "internal_medicine",
                                [],
                            ),
                            ("OPD-2F-WC", "二层卫生间", "2F toilets", "area", "property", []),
                            ("OPD-2F-STAIR", "二层楼梯间", "2F stairwell", "area", "property", []),
                        ],
                    ),
                    (
                        "OPD-3F",
                        "门诊楼三层",
                        "Outpatient building 3F",
                        "floor",
                        "radiology",
                        [
                            ("OPD-3F-RAD", "放射科", "Radiology", "area", "radiology", []),
                        ],
                    ),
                ],
            ),
            (
                "EMR",
                "急诊楼",
                "Emergency building",
                "building",
                "emergency",
                [
                    (
                        "EMR-1F",
                        "急诊一层",
                        "Emergency 1F",
                        "floor",
                        "emergency",
                        [
                            (
                                "EMR-1F-TRI",
                                "预检分诊台",
                                "Pre-triage desk",
                                "area",
                                "emergency",
                                [],
                            ),
                            (
                                "EMR-1F-FEV",
                                "发热门诊",
                                "Fever clinic",
                                "area",
                                "infection_control",
                                [],
                            ),
                        ],
                    ),
                ],
            ),
            (
                "IPD",
                "住院楼",
                "Inpatient building",
                "building",
                "nursing",
                [
                    (
                        "IPD-5F",
                        "住院楼五层",
                        "Inpatient building 5F",
                        "floor",
                        "internal_medicine",
                        [
                            (
                                "IPD-5F-WARD",
                                "内科病区",
                                "Medical ward",
                                "area",
                                "internal_medicine",
                                [],
                            ),
                            (
                                "IPD-5F-NS",
                                "内科护士站",
                                "Medical nurses' station",
                                "area",
                                "nursing",
                                [],
                            ),
                            ("IPD-5F-WC", "五层卫生间", "5F toilets", "area", "property", []),
                        ],
                    ),
                    (
                        "IPD-6F",
                        "住院楼六层",
                        "Inpatient building 6F",
                        "floor",
                        "surgery",
                        [
                            ("IPD-6F-WARD", "外科病区", "Surgical ward", "area", "surgery", []),
                            (
                                "IPD-6F-TR",
                                "外科处置室",
                                "Surgical treatment room",
                                "area",
                                "surgery",
                                [],
                            ),
                        ],
                    ),
                ],
            ),
            (
                "SVC",
                "后勤服务区",
                "Service area",
                "building",
                "general_affairs",
                [
                    (
                        "SVC-WASTE",
                        "医疗废物暂存间",
                        "Medical-waste store",
                        "area",
                        "infection_control",
                        [],
                    ),
                    (
                        "SVC-SEWAGE",
                        "污水处理站",
                        "Sewage treatment station",
                        "area",
                        "general_affairs",
                        [],
                    ),
                    ("SVC-CANTEEN", "职工食堂", "Staff canteen", "area", "canteen", []),
                    ("SVC-SMOKE", "室外吸烟区", "Outdoor smoking area", "point", "security", []),
                ],
            ),
        ],
    ),
]

DEMO_USERS = [
    ("admin", "系统管理员", ["admin"], None),
    ("supervisor", "督导组 王主任", ["supervisor"], None),
    ("inspector", "检查员 李明", ["inspector"], None),
    ("depthead", "总务科 张科长", ["department_head"], "general_affairs"),
]


@dataclass
class SeedResult:
    """What seeding did; ``password`` is set only when the demo users were created now."""

    hospital: Hospital
    created: bool
    password: str | None = None


def seed_demo(session: Session, password: str | None = None) -> SeedResult:
    """Create the demo hospital with departments, locations and users, once."""
    existing = session.scalars(select(Hospital).where(Hospital.code == DEMO_HOSPITAL_CODE)).first()
    if existing is not None:
        return SeedResult(existing, created=False)
    hospital = Hospital(
        code=DEMO_HOSPITAL_CODE,
        name_zh="演示医院",
        name_en="Demo Hospital",
        timezone="Asia/Shanghai",
        settings={"auto_close_on_recheck": False},
    )
    session.add(hospital)
    session.flush()
    departments = {}
    for code, zh, en in DEPARTMENTS:
        departments[code] = Department(hospital_id=hospital.id, code=code, name_zh=zh, name_en=en)
        session.add(departments[code])
    session.flush()

    def add(nodes: list, parent: Location | None) -> None:
        for code, zh, en, kind, dept, children in nodes:
            location = Location(
                hospital_id=hospital.id,
                parent=parent,
                code=code,
                name_zh=zh,
                name_en=en,
                kind=kind,
                department_id=departments[dept].id,
            )
            session.add(location)
            add(children, location)

    add(LOCATION_TREE, None)
    session.flush()
    for department in departments.values():
        record_change(session, "department", department.id, hospital.id)
    for location in session.scalars(select(Location).where(Location.hospital_id == hospital.id)):
        record_change(session, "location", location.id, hospital.id)
    password = password or secrets.token_urlsafe(9)
    password_hash = hash_password(password)
    for username, display_name, roles, dept in DEMO_USERS:
        session.add(
            User(
                username=username,
                display_name=display_name,
                password_hash=password_hash,
                department_id=departments[dept].id if dept else None,
                role_rows=[UserRole(role=role) for role in roles],
                hospitals=[hospital],
            )
        )
    session.flush()
    return SeedResult(hospital, created=True, password=password)
