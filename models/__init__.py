"""SQLAlchemy ORM models: storage only, no domain rules."""

from models.alert import BuyerAlert
from models.api_token import ApiToken, UserPassword
from models.base import Base
from models.escalation import Escalation, EscalationNote
from models.event import POEvent
from models.followup import FollowupAttempt
from models.mailbox import MailboxCheckpoint
from models.message import Document, Message, MessagePO
from models.outbox import OutboxItem
from models.purchase_order import POLine, PurchaseOrder
from models.setting import AppSetting
from models.shipment import Shipment, ShipmentLine, ShipmentTracking
from models.telegram import ChatState, Invite
from models.user import User
from models.vendor import Vendor, VendorContact, VendorDomain

__all__ = [
    "ApiToken",
    "AppSetting",
    "Base",
    "BuyerAlert",
    "ChatState",
    "Document",
    "Escalation",
    "EscalationNote",
    "FollowupAttempt",
    "Invite",
    "MailboxCheckpoint",
    "Message",
    "MessagePO",
    "OutboxItem",
    "POEvent",
    "POLine",
    "PurchaseOrder",
    "Shipment",
    "ShipmentLine",
    "ShipmentTracking",
    "User",
    "UserPassword",
    "Vendor",
    "VendorContact",
    "VendorDomain",
]
