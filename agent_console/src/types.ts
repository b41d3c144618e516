// Shapes of docs/protocol.md and the REST API.

export type Status = "open" | "pending" | "resolved" | "closed";
export type StatusFilter = Status | "all";
export type DeliveryStatus = "pending" | "sent" | "delivered" | "read" | "failed";

export interface Opd {
  id: number;
  slug: string;
  name: string;
}

export interface Agent {
  id: number;
  name: string;
  email: string;
  role: string;
  opd: Opd | null;
}

/**
 * A file or place a message carries. Stored files name their hub media row (media_id);
 * a channel adds what it knows (Telegram: kind, file_id, width/height/duration) and
 * `error` when the hub could not keep the file. Locations carry coordinates instead.
 */
export interface Attachment {
  media_id?: string;
  mime_type?: string | null;
  file_name?: string | null;
  size?: number | null;
  source?: string;
  kind?: string;
  error?: string;
  width?: number;
  height?: number;
  duration?: number;
  latitude?: number;
  longitude?: number;
  /** A place's name: `title` from Telegram, `name` from WhatsApp. */
  title?: string;
  address?: string;
  /** A template reply (kind "template"): which approved template, and what filled it. */
  name?: string;
  language?: string | null;
  parameters?: string[];
}

/** What the hub answers for an upload: a file kept in the conversation until a reply carries it. */
export interface Media {
  media_id: string;
  mime_type: string;
  file_name: string | null;
  size: number;
}

export interface Message {
  id: number;
  conversation_id: number;
  seq: number;
  direction: "in" | "out";
  sender_type: "contact" | "agent" | "system" | "bot";
  sender_name: string | null;
  kind: "text" | "image" | "file" | "location" | "note";
  text: string;
  private: boolean;
  attachments?: Attachment[];
  client_id: string | null;
  delivery_status: DeliveryStatus;
  error: string | null;
  created_at: string;
  edited_at?: string | null;
  /** The message this one quotes, when it is stored. */
  reply_to_id?: number | null;
  /** Residents' emoji on this message, by resident: {} when none. */
  reactions?: Record<string, string>;
}

/** A message template the channel has approved (WhatsApp), with {{1}}, {{2}}... in its body. */
export interface Template {
  name: string;
  language: string | null;
  body: string;
  /** How many parameters it takes. */
  parameters: number;
}

/** What an agent sends instead of free text once the reply window has closed. */
export interface TemplateChoice {
  name: string;
  language: string | null;
  parameters: string[];
}

export interface Inbox {
  key: string;
  kind: string;
  name: string;
  /** On windowed channels (WhatsApp): free replies last this long after the resident's message. */
  reply_window_seconds?: number;
  templates?: Template[];
}

/** Where the case is: the place one of the resident's location messages shares. */
export interface CaseLocation {
  latitude: number;
  longitude: number;
  title?: string;
  address?: string;
  message_id: number;
}

export interface Conversation {
  id: number;
  tracking_code: string;
  status: Status;
  inbox: Inbox;
  opd: Opd;
  /** `id` null: the reporter is hidden (rahasia/anonim) from this agent. */
  contact: { id: number | null; name: string | null };
  assignee: { id: number; name: string } | null;
  last_seq: number;
  unread_count: number;
  last_message_preview: string | null;
  last_message_at: string | null;
  created_at: string;
  first_response_at: string | null;
  resolved_at: string | null;
  location?: CaseLocation | null;
  last_inbound_at?: string | null;
  /** Non-null on windowed channels: after it only an approved template may be sent. */
  reply_window_closes_at?: string | null;
  priority?: Priority;
  /** Hide the reporter from the OPD's agents (only coordinators see who reported). */
  rahasia?: boolean;
  anonim?: boolean;
  /** Waiting in the coordinator's triage queue for an OPD. */
  triage?: boolean;
  /** A disposisi the receiving OPD (the case's OPD now) has not accepted or returned yet. */
  pending_transfer_id?: number | null;
  category?: string | null;
  kelurahan?: string | null;
  labels?: string[];
  /** Where an offline entry came from; null for cases residents wrote themselves. */
  source?: Source | null;
  csat?: number | null;
  csat_comment?: string | null;
  csat_at?: string | null;
  /** The case's deadlines; null until the hub has computed them (just after it arrives). */
  sla?: Sla | null;
}

/** When the case must be answered and followed up, and when to warn of each (ISO times). */
export interface Sla {
  response_due_at: string;
  response_warn_at: string;
  resolution_due_at: string;
  resolution_warn_at: string;
}

export type DeadlineKind = "response" | "resolution";

/** The "sla" event: a deadline of a case is near (warning) or passed (breach). */
export interface SlaAlert {
  kind: DeadlineKind;
  level: "warning" | "breach";
  due_at: string;
  conversation: Conversation;
}

export type Priority = "low" | "normal" | "high" | "urgent";
export type Source = "phone" | "walk_in" | "letter" | "media";
/** Which cases the list shows besides their status: triage, unassigned, mine, all. */
export type Queue = "triage" | "none" | "me" | "all";

/** An OPD a case can be sent to (GET /api/v1/opds). */
export interface OpdChoice extends Opd {
  coordinator?: boolean;
}

/** An agent a supervisor can give a case to (GET /api/v1/agents). */
export interface Colleague {
  id: number;
  name: string;
  role: string;
  opd_id: number | null;
  online?: boolean;
}

/** An inbox the agent may see (GET /api/v1/inboxes): offline entries can reply through WhatsApp. */
export interface InboxChoice {
  key: string;
  kind: string;
  name: string;
  opd: Opd;
}

export interface Category {
  id: number;
  name: string;
  opd_id: number | null;
  needs_after_photo: boolean;
  active: boolean;
}

export interface CannedResponse {
  id: number;
  shortcut: string;
  body: string;
  opd_id: number | null;
}

export interface Area {
  id: number;
  kecamatan: string;
  kelurahan: string;
}

/** One disposisi of a case, oldest first in GET .../transfers. */
export interface Transfer {
  id: number;
  from_opd_id: number;
  to_opd_id: number;
  reason: string;
  state: "pending" | "accepted" | "returned";
  answer: string | null;
  created_at: string;
  answered_at: string | null;
}

/** The city's lists every agent picks from; null until loaded. */
export interface Catalog {
  categories: Category[] | null;
  canned: CannedResponse[] | null;
  areas: Area[] | null;
  opds: OpdChoice[] | null;
  inboxes: InboxChoice[] | null;
  agents: Colleague[] | null;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface ErrorBody {
  code: string;
  message: string;
  /** A 409 conflict of an offline entry: the resident's case that is still open. */
  tracking_code?: string;
  conversation_id?: number;
  /** A 429: seconds until the hub takes the request again. */
  retry_after?: number;
}

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

/** A reply typed here that the hub has not stored yet (or failed to store). */
export interface Outgoing {
  client_id: string;
  conversation_id: number;
  text: string;
  private: boolean;
  /** Uploaded before the reply was sent. */
  media: Media | null;
  /** An approved template instead of free text (`text` is then its rendered body). */
  template: TemplateChoice | null;
  created_at: string;
  state: "sending" | "failed";
  error: ErrorBody | null;
}

export type ConnectionState = "connected" | "connecting" | "offline";
