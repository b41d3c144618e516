// REST calls of the OPD workflow: disposisi, assignment, case details, resolving, offline
// entries, and the lists agents pick from (docs/api.md).
import { ApiError, request } from "./api";
import type {
  Area,
  CannedResponse,
  Category,
  Colleague,
  Conversation,
  InboxChoice,
  Message,
  OpdChoice,
  Priority,
  Source,
  Transfer,
} from "./types";

type Answer = { conversation: Conversation };

function post(path: string, body: unknown = {}): Promise<Conversation> {
  return request<Answer>("POST", path, body).then((a) => a.conversation);
}

/** Cut off the website chat that wrote the case: its device's token is refused from now on. */
export function revokeVisitor(id: number): Promise<boolean> {
  return request<{ revoked: boolean }>("POST", `/conversations/${id}/revoke-visitor`, {}).then((a) => a.revoked);
}

export function take(id: number): Promise<Conversation> {
  return post(`/conversations/${id}/take`);
}

/** Give the case to an agent of its OPD; null puts it back in the queue. */
export function assign(id: number, agentId: number | null): Promise<Conversation> {
  return post(`/conversations/${id}/assign`, { agent_id: agentId });
}

/** Disposisi: the case moves to OPD `slug` at once, which accepts or returns it. */
export function transfer(id: number, slug: string, reason: string): Promise<Conversation> {
  return post(`/conversations/${id}/transfer`, { opd: slug, reason });
}

export function acceptTransfer(id: number): Promise<Conversation> {
  return post(`/conversations/${id}/transfer/accept`);
}

export function returnTransfer(id: number, reason: string): Promise<Conversation> {
  return post(`/conversations/${id}/transfer/return`, { reason });
}

export async function transfers(id: number): Promise<Transfer[]> {
  return (await request<{ items: Transfer[] }>("GET", `/conversations/${id}/transfers`)).items;
}

export interface Details {
  priority?: Priority;
  labels?: string[];
  category?: string | null;
  kelurahan?: string | null;
  rahasia?: boolean;
  anonim?: boolean;
}

export function patchDetails(id: number, details: Details): Promise<Conversation> {
  return request<Answer>("PATCH", `/conversations/${id}`, details).then((a) => a.conversation);
}

/** What a case is resolved with: the follow-up the resident reads, and the evidence. */
export interface FollowUp {
  note: string;
  after_media_id?: string;
  before_media_id?: string;
}

export function resolve(id: number, followUp: FollowUp): Promise<Conversation> {
  return post(`/conversations/${id}/status`, { status: "resolved", ...followUp });
}

export interface Entry {
  source: Source;
  text: string;
  name?: string;
  phone?: string;
  /** A WhatsApp (or, for a named resident, Telegram) inbox to answer through; default: the hub's manual inbox. */
  inbox?: string;
  /** A resident the hub knows: replies go to their chat on the inbox's channel. */
  contact?: number;
  /** The OPD the case is for (coordinators); others record for their own. */
  opd?: string;
  category?: string;
  kelurahan?: string;
  client_id: string;
}

export function createEntry(entry: Entry): Promise<{ conversation: Conversation; message: Message }> {
  return request("POST", "/entries", entry);
}

async function items<T>(path: string): Promise<T[]> {
  return (await request<{ items: T[] }>("GET", path)).items;
}

export const categories = (): Promise<Category[]> => items("/categories");
export const cannedResponses = (): Promise<CannedResponse[]> => items("/canned-responses");
export const areas = (): Promise<Area[]> => items("/areas");
export const inboxes = (): Promise<InboxChoice[]> => items("/inboxes");

/** A route every agent may read, or for a coordinator the admin route that has the same. */
async function withAdminFallback<T>(path: string, adminPath: string | null): Promise<T[]> {
  try {
    return await items<T>(path);
  } catch (err) {
    if (adminPath && err instanceof ApiError && err.status === 404) return items<T>(adminPath);
    throw err;
  }
}

export function opds(isAdmin: boolean): Promise<OpdChoice[]> {
  return withAdminFallback<OpdChoice & { active?: boolean }>("/opds", isAdmin ? "/admin/opds" : null).then((list) =>
    list.filter((o) => o.active !== false),
  );
}

interface AdminAgent {
  id: number;
  name: string;
  role: string;
  opd_id?: number | null;
  opd?: { id: number } | null;
  active?: boolean;
  online?: boolean;
}

/** Whom a supervisor (their OPD) or a coordinator (every OPD) can give a case to. */
export async function colleagues(isAdmin: boolean): Promise<Colleague[]> {
  const list = await withAdminFallback<AdminAgent>("/agents", isAdmin ? "/admin/agents" : null);
  return list
    .filter((a) => a.active !== false)
    .map((a) => ({ id: a.id, name: a.name, role: a.role, opd_id: a.opd_id ?? a.opd?.id ?? null, online: a.online }));
}
