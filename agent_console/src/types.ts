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
  contact: { id: number; name: string | null };
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
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface ErrorBody {
  code: string;
  message: string;
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
