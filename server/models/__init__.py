"""All models, imported here so that metadata (and Alembic autogenerate) sees every table."""

from server.models.base import Base
from server.models.change import CHANGE_KINDS, Change
from server.models.checklist import ChecklistVersion
from server.models.epoch import SyncEpoch
from server.models.inspection import INSPECTION_KINDS, Finding, Inspection, PhotoSlot, RecordEntry
from server.models.missing_log import MissingLog
from server.models.notification import (
    NOTIFICATION_CODES,
    ROBOT_VENDORS,
    GroupNotification,
    Notification,
    NotificationDelivery,
)
from server.models.org import LOCATION_KINDS, Department, Hospital, Location
from server.models.photo import Photo
from server.models.rollup import WeeklyRollup
from server.models.task import (
    OPEN_STATUSES,
    TASK_SOURCES,
    TASK_STATUSES,
    RectificationTask,
    TaskEvent,
    TaskSubmission,
    task_findings,
    task_records,
)
from server.models.user import ROLES, ApiToken, User, UserRole, user_hospitals

__all__ = [
    "CHANGE_KINDS",
    "INSPECTION_KINDS",
    "NOTIFICATION_CODES",
    "ROBOT_VENDORS",
    "OPEN_STATUSES",
    "TASK_SOURCES",
    "TASK_STATUSES",
    "Change",
    "Finding",
    "Inspection",
    "Photo",
    "PhotoSlot",
    "RecordEntry",
    "RectificationTask",
    "TaskEvent",
    "TaskSubmission",
    "GroupNotification",
    "Notification",
    "NotificationDelivery",
    "WeeklyRollup",
    "task_findings",
    "task_records",
    "LOCATION_KINDS",
    "ROLES",
    "ApiToken",
    "Base",
    "ChecklistVersion",
    "SyncEpoch",
    "Department",
    "Hospital",
    "Location",
    "MissingLog",
    "User",
    "UserRole",
    "user_hospitals",
]
