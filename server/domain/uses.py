"""What a place is used for (``Location.use``): the one closed list, with its printed names.

A location's ``kind`` says where it sits in the tree (campus, building, floor, area, point); its
``use`` says what happens there, and checklists route sections and items by it
(``applies_to``). The hospital file, the checklist validator, the API and the docs all read this
list, so a new use is added here and nowhere else (docs/checklists.md lists it; a test keeps the
two equal). The database keeps ``use`` as a plain string without a CHECK constraint on purpose:
growing the list must not need a migration, and only the validated hospital import writes it.
"""

from __future__ import annotations

# code → (zh-CN, en), in the order a person reading the list expects: patients' way in first.
LOCATION_USES: dict[str, tuple[str, str]] = {
    "entrance": ("出入口", "Entrance"),
    "outpatient_hall": ("门诊大厅", "Outpatient hall"),
    "waiting_area": ("候诊区", "Waiting area"),
    "service_window": ("挂号收费窗口", "Registration and payment windows"),
    "consulting_room": ("诊室", "Consulting room"),
    "emergency": ("急诊（含预检分诊）", "Emergency (with pre-triage)"),
    "fever_clinic": ("发热门诊", "Fever clinic"),
    "ward": ("病区", "Ward"),
    "nurses_station": ("护士站", "Nurses' station"),
    "treatment_room": ("治疗室、处置室", "Treatment room"),
    "operating_theatre": ("手术室", "Operating theatre"),
    "icu": ("重症监护室", "Intensive care unit"),
    "imaging": ("医学影像（放射）", "Medical imaging (radiology)"),
    "lab": ("检验科、实验室", "Laboratory"),
    "pharmacy": ("药房", "Pharmacy"),
    "sterile_supply": ("消毒供应中心", "Sterile supply department"),
    "toilet": ("卫生间", "Toilet"),
    "corridor": ("走廊、通道", "Corridor"),
    "lift_lobby": ("电梯厅", "Lift lobby"),
    "stairwell": ("楼梯间", "Stairwell"),
    "canteen": ("食堂、餐厅", "Canteen"),
    "waste_store": ("医疗废物暂存处", "Medical-waste store"),
    "sewage_station": ("污水处理站", "Sewage treatment station"),
    "smoking_area": ("室外吸烟区", "Outdoor smoking area"),
    "outdoor": ("室外区域（道路、绿地、停车场）", "Outdoors (roads, green areas, car parks)"),
    "shop": ("院内超市、小卖部", "Shop or kiosk"),
    "office": ("办公室", "Office"),
    "storeroom": ("库房", "Storeroom"),
    "mixed": ("综合（整栋楼、整层）", "Mixed (a whole building or floor)"),
}
USE_CODES = tuple(LOCATION_USES)
# A place of this use holds places of many uses (a building, a floor walked as a whole): every
# section and item applies to it, as to a place whose use is unknown.
MIXED = "mixed"


def applies(applies_to: list[str] | None, use: str | None) -> bool:
    """Whether a section or item with ``applies_to`` is asked at a place of ``use``."""
    return not applies_to or use is None or use == MIXED or use in applies_to
