"""Contains all the data models used in inputs/outputs"""

from .account import Account
from .account_create import AccountCreate
from .account_created import AccountCreated
from .answer_survey_body import AnswerSurveyBody
from .api_key import ApiKey
from .api_key_create import ApiKeyCreate
from .api_key_create_scopes_item import ApiKeyCreateScopesItem
from .api_key_created import ApiKeyCreated
from .api_key_page import ApiKeyPage
from .appointment import Appointment
from .appointment_customer import AppointmentCustomer
from .appointment_last_change import AppointmentLastChange
from .appointment_location_type_1 import AppointmentLocationType1
from .appointment_page import AppointmentPage
from .appointment_status import AppointmentStatus
from .audit_entry import AuditEntry
from .audit_entry_after_type_0 import AuditEntryAfterType0
from .audit_entry_before_type_0 import AuditEntryBeforeType0
from .audit_page import AuditPage
from .campaign import Campaign
from .campaign_audience_by_type_1 import CampaignAudienceByType1
from .campaign_audience_by_type_2_type_1 import CampaignAudienceByType2Type1
from .campaign_audience_by_type_3_type_1 import CampaignAudienceByType3Type1
from .campaign_create import CampaignCreate
from .campaign_kind import CampaignKind
from .campaign_page import CampaignPage
from .campaign_report import CampaignReport
from .campaign_report_locations_item import CampaignReportLocationsItem
from .campaign_report_rates import CampaignReportRates
from .campaign_report_review import CampaignReportReview
from .campaign_settings import CampaignSettings
from .campaign_settings_audience_by_type_1 import CampaignSettingsAudienceByType1
from .campaign_settings_audience_by_type_2_type_1 import CampaignSettingsAudienceByType2Type1
from .campaign_settings_audience_by_type_3_type_1 import CampaignSettingsAudienceByType3Type1
from .campaign_settings_window_policy import CampaignSettingsWindowPolicy
from .campaign_status import CampaignStatus
from .campaign_window_policy import CampaignWindowPolicy
from .channel import Channel
from .consent_change import ConsentChange
from .consent_change_action import ConsentChangeAction
from .consent_result import ConsentResult
from .counts import Counts
from .customer import Customer
from .customer_opted_out import CustomerOptedOut
from .customer_page import CustomerPage
from .customer_score import CustomerScore
from .customer_score_evidence import CustomerScoreEvidence
from .customer_score_list import CustomerScoreList
from .customer_upsert import CustomerUpsert
from .event import Event
from .event_appointment import EventAppointment
from .event_appointment_data import EventAppointmentData
from .event_appointment_ref import EventAppointmentRef
from .event_appointment_ref_status import EventAppointmentRefStatus
from .event_appointment_type import EventAppointmentType
from .event_consent import EventConsent
from .event_consent_data import EventConsentData
from .event_consent_type import EventConsentType
from .event_data import EventData
from .event_endpoint_disabled import EventEndpointDisabled
from .event_endpoint_disabled_data import EventEndpointDisabledData
from .event_endpoint_disabled_data_endpoint import EventEndpointDisabledDataEndpoint
from .event_endpoint_disabled_type import EventEndpointDisabledType
from .event_message import EventMessage
from .event_message_data import EventMessageData
from .event_message_ref import EventMessageRef
from .event_message_type import EventMessageType
from .event_packet import EventPacket
from .event_packet_data import EventPacketData
from .event_packet_data_packet import EventPacketDataPacket
from .event_packet_data_packet_status import EventPacketDataPacketStatus
from .event_packet_type import EventPacketType
from .event_page import EventPage
from .event_ref import EventRef
from .event_reply import EventReply
from .event_reply_data import EventReplyData
from .event_reply_data_intent import EventReplyDataIntent
from .event_reply_type import EventReplyType
from .event_review import EventReview
from .event_review_data import EventReviewData
from .event_review_type import EventReviewType
from .event_survey import EventSurvey
from .event_survey_data import EventSurveyData
from .event_survey_data_channel import EventSurveyDataChannel
from .event_survey_type import EventSurveyType
from .event_type import EventType
from .funnel import Funnel
from .funnel_suppressed_by_reason import FunnelSuppressedByReason
from .get_campaign_report_format import GetCampaignReportFormat
from .get_campaign_timeseries_bucket import GetCampaignTimeseriesBucket
from .get_open_api_response_200 import GetOpenApiResponse200
from .health import Health
from .health_status import HealthStatus
from .inbound_simulated import InboundSimulated
from .inbound_simulated_kind import InboundSimulatedKind
from .inbound_simulation import InboundSimulation
from .inbound_simulation_kind import InboundSimulationKind
from .inbound_simulation_outcome import InboundSimulationOutcome
from .list_appointments_status import ListAppointmentsStatus
from .list_audit_log_format import ListAuditLogFormat
from .list_campaigns_status import ListCampaignsStatus
from .list_customers_opted_out import ListCustomersOptedOut
from .location import Location
from .location_page import LocationPage
from .location_upsert import LocationUpsert
from .message import Message
from .message_detail import MessageDetail
from .message_detail_events_item import MessageDetailEventsItem
from .message_detail_events_item_data import MessageDetailEventsItemData
from .message_page import MessagePage
from .message_status import MessageStatus
from .packet import Packet
from .packet_appointments import PacketAppointments
from .packet_effect import PacketEffect
from .packet_links import PacketLinks
from .packet_page import PacketPage
from .packet_report import PacketReport
from .packet_report_rows import PacketReportRows
from .packet_report_stage_seconds import PacketReportStageSeconds
from .packet_row import PacketRow
from .packet_row_status import PacketRowStatus
from .packet_rows import PacketRows
from .packet_snapshot_type_1 import PacketSnapshotType1
from .packet_source import PacketSource
from .packet_stage_seconds import PacketStageSeconds
from .packet_status import PacketStatus
from .preview import Preview
from .preview_request import PreviewRequest
from .preview_request_merge_fields import PreviewRequestMergeFields
from .preview_sms import PreviewSms
from .preview_sms_encoding import PreviewSmsEncoding
from .problem import Problem
from .problem_errors_item import ProblemErrorsItem
from .problem_errors_item_in import ProblemErrorsItemIn
from .rejection_count import RejectionCount
from .row_error import RowError
from .row_error_page import RowErrorPage
from .row_issue import RowIssue
from .scope import Scope
from .send_window import SendWindow
from .sns_message import SnsMessage
from .sns_message_signature_version import SnsMessageSignatureVersion
from .sns_message_type import SnsMessageType
from .step import Step
from .survey_summary import SurveySummary
from .survey_summary_distribution import SurveySummaryDistribution
from .template import Template
from .template_create import TemplateCreate
from .template_page import TemplatePage
from .time_series import TimeSeries
from .time_series_bucket import TimeSeriesBucket
from .time_series_points_item import TimeSeriesPointsItem
from .unsubscribe_body import UnsubscribeBody
from .unsubscribe_body_list_unsubscribe import UnsubscribeBodyListUnsubscribe
from .webhook_attempt import WebhookAttempt
from .webhook_attempt_page import WebhookAttemptPage
from .webhook_endpoint import WebhookEndpoint
from .webhook_endpoint_create import WebhookEndpointCreate
from .webhook_endpoint_page import WebhookEndpointPage
from .webhook_endpoint_update import WebhookEndpointUpdate
from .webhook_endpoint_with_secret import WebhookEndpointWithSecret
from .webhook_replay import WebhookReplay
from .webhook_replay_queued import WebhookReplayQueued
from .webhook_replay_queued_status import WebhookReplayQueuedStatus
from .webhook_replay_range import WebhookReplayRange
from .webhook_replay_range_queued import WebhookReplayRangeQueued
from .webhook_result import WebhookResult
from .webhook_secret_rotate import WebhookSecretRotate

__all__ = (
    "Account",
    "AccountCreate",
    "AccountCreated",
    "AnswerSurveyBody",
    "ApiKey",
    "ApiKeyCreate",
    "ApiKeyCreated",
    "ApiKeyCreateScopesItem",
    "ApiKeyPage",
    "Appointment",
    "AppointmentCustomer",
    "AppointmentLastChange",
    "AppointmentLocationType1",
    "AppointmentPage",
    "AppointmentStatus",
    "AuditEntry",
    "AuditEntryAfterType0",
    "AuditEntryBeforeType0",
    "AuditPage",
    "Campaign",
    "CampaignAudienceByType1",
    "CampaignAudienceByType2Type1",
    "CampaignAudienceByType3Type1",
    "CampaignCreate",
    "CampaignKind",
    "CampaignPage",
    "CampaignReport",
    "CampaignReportLocationsItem",
    "CampaignReportRates",
    "CampaignReportReview",
    "CampaignSettings",
    "CampaignSettingsAudienceByType1",
    "CampaignSettingsAudienceByType2Type1",
    "CampaignSettingsAudienceByType3Type1",
    "CampaignSettingsWindowPolicy",
    "CampaignStatus",
    "CampaignWindowPolicy",
    "Channel",
    "ConsentChange",
    "ConsentChangeAction",
    "ConsentResult",
    "Counts",
    "Customer",
    "CustomerOptedOut",
    "CustomerPage",
    "CustomerScore",
    "CustomerScoreEvidence",
    "CustomerScoreList",
    "CustomerUpsert",
    "Event",
    "EventAppointment",
    "EventAppointmentData",
    "EventAppointmentRef",
    "EventAppointmentRefStatus",
    "EventAppointmentType",
    "EventConsent",
    "EventConsentData",
    "EventConsentType",
    "EventData",
    "EventEndpointDisabled",
    "EventEndpointDisabledData",
    "EventEndpointDisabledDataEndpoint",
    "EventEndpointDisabledType",
    "EventMessage",
    "EventMessageData",
    "EventMessageRef",
    "EventMessageType",
    "EventPacket",
    "EventPacketData",
    "EventPacketDataPacket",
    "EventPacketDataPacketStatus",
    "EventPacketType",
    "EventPage",
    "EventRef",
    "EventReply",
    "EventReplyData",
    "EventReplyDataIntent",
    "EventReplyType",
    "EventReview",
    "EventReviewData",
    "EventReviewType",
    "EventSurvey",
    "EventSurveyData",
    "EventSurveyDataChannel",
    "EventSurveyType",
    "EventType",
    "Funnel",
    "FunnelSuppressedByReason",
    "GetCampaignReportFormat",
    "GetCampaignTimeseriesBucket",
    "GetOpenApiResponse200",
    "Health",
    "HealthStatus",
    "InboundSimulated",
    "InboundSimulatedKind",
    "InboundSimulation",
    "InboundSimulationKind",
    "InboundSimulationOutcome",
    "ListAppointmentsStatus",
    "ListAuditLogFormat",
    "ListCampaignsStatus",
    "ListCustomersOptedOut",
    "Location",
    "LocationPage",
    "LocationUpsert",
    "Message",
    "MessageDetail",
    "MessageDetailEventsItem",
    "MessageDetailEventsItemData",
    "MessagePage",
    "MessageStatus",
    "Packet",
    "PacketAppointments",
    "PacketEffect",
    "PacketLinks",
    "PacketPage",
    "PacketReport",
    "PacketReportRows",
    "PacketReportStageSeconds",
    "PacketRow",
    "PacketRows",
    "PacketRowStatus",
    "PacketSnapshotType1",
    "PacketSource",
    "PacketStageSeconds",
    "PacketStatus",
    "Preview",
    "PreviewRequest",
    "PreviewRequestMergeFields",
    "PreviewSms",
    "PreviewSmsEncoding",
    "Problem",
    "ProblemErrorsItem",
    "ProblemErrorsItemIn",
    "RejectionCount",
    "RowError",
    "RowErrorPage",
    "RowIssue",
    "Scope",
    "SendWindow",
    "SnsMessage",
    "SnsMessageSignatureVersion",
    "SnsMessageType",
    "Step",
    "SurveySummary",
    "SurveySummaryDistribution",
    "Template",
    "TemplateCreate",
    "TemplatePage",
    "TimeSeries",
    "TimeSeriesBucket",
    "TimeSeriesPointsItem",
    "UnsubscribeBody",
    "UnsubscribeBodyListUnsubscribe",
    "WebhookAttempt",
    "WebhookAttemptPage",
    "WebhookEndpoint",
    "WebhookEndpointCreate",
    "WebhookEndpointPage",
    "WebhookEndpointUpdate",
    "WebhookEndpointWithSecret",
    "WebhookReplay",
    "WebhookReplayQueued",
    "WebhookReplayQueuedStatus",
    "WebhookReplayRange",
    "WebhookReplayRangeQueued",
    "WebhookResult",
    "WebhookSecretRotate",
)
