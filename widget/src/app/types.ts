// Shapes of the /widget namespace, see docs/protocol.md.

export type DeliveryStatus = "pending" | "sent" | "delivered" | "read" | "failed";

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
  client_id: string | null;
  delivery_status: DeliveryStatus;
  error: string | null;
  created_at: string;
  /** Files; those the hub keeps carry a `url` the resident's browser can open. */
  attachments?: Attachment[];
}

export interface Attachment {
  media_id?: string;
  mime_type?: string;
  file_name?: string | null;
  url?: string;
}

export interface Conversation {
  id: number;
  tracking_code: string;
  status: "open" | "pending" | "resolved" | "closed";
  last_seq: number;
  /** The resident's rating (1-5) of the resolved case; null until they rate it. */
  csat?: number | null;
}

export interface Session {
  token: string;
  visitor_id: string;
  conversation: Conversation | null;
}

export interface AckError {
  code: string;
  message: string;
  /** `rate_limited`: seconds until the hub takes the message. */
  retry_after?: number;
}

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: AckError };

/** A resident's message that has no seq yet: in flight, queued while offline, or failed. */
export interface Outgoing {
  client_id: string;
  text: string;
  created_at: string;
  status: "sending" | "failed";
  error?: AckError;
}
