// REST client for the admin routes (/api/v1/admin/...) and the city's lists.
import { request } from "../api";

export type Role = "admin" | "supervisor" | "agent";
export type InboxKind = "widget" | "telegram" | "whatsapp" | "manual";

export interface AdminOpd {
  id: number;
  slug: string;
  name: string;
  coordinator: boolean;
  active: boolean;
  /** "config": name and coordinator are set in the config file. */
  managed: "config" | "console";
  agents: number;
  inboxes: number;
}

export interface AdminAgent {
  id: number;
  email: string;
  name: string;
  role: Role;
  opd: { id: number; slug: string; name: string } | null;
  active: boolean;
  capacity: number;
  last_seen_at: string | null;
}

export interface AdminInbox {
  id: number;
  key: string;
  kind: string;
  name: string;
  opd_id: number;
  active: boolean;
  managed: "config" | "console";
  /** Secrets come masked (••••abcd). */
  options: Record<string, unknown>;
  embed?: string;
  webhook_url?: string;
}

export interface Webhook {
  ok: boolean;
  detail: string;
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

export interface BusinessDay {
  weekday: number;
  opens: string;
  closes: string;
}

export interface Area {
  id: number;
  kecamatan: string;
  kelurahan: string;
}

interface Items<T> {
  items: T[];
}

const items = async <T>(path: string): Promise<T[]> => (await request<Items<T>>("GET", path)).items;

export const listOpds = (): Promise<AdminOpd[]> => items("/admin/opds");
export const createOpd = async (slug: string, name: string): Promise<AdminOpd> =>
  (await request<{ opd: AdminOpd }>("POST", "/admin/opds", { slug, name })).opd;
export const updateOpd = async (id: number, changes: Partial<Pick<AdminOpd, "name" | "active" | "coordinator">>): Promise<AdminOpd> =>
  (await request<{ opd: AdminOpd }>("PATCH", `/admin/opds/${id}`, changes)).opd;

export interface NewAgent {
  email: string;
  name: string;
  role: Role;
  opd_id: number | null;
  capacity: number;
}

export interface AgentChanges {
  name?: string;
  role?: Role;
  opd_id?: number | null;
  capacity?: number;
  active?: boolean;
}

export const listAgents = (): Promise<AdminAgent[]> => items("/admin/agents");
export const createAgent = (agent: NewAgent): Promise<{ agent: AdminAgent; password: string }> => request("POST", "/admin/agents", agent);
export const updateAgent = async (id: number, changes: AgentChanges): Promise<AdminAgent> =>
  (await request<{ agent: AdminAgent }>("PATCH", `/admin/agents/${id}`, changes)).agent;
export const resetPassword = (id: number): Promise<{ agent: AdminAgent; password: string }> => request("POST", `/admin/agents/${id}/password`, {});

export interface NewInbox {
  key: string;
  kind: InboxKind;
  name: string;
  opd_id: number;
  options: Record<string, string>;
}

export interface CreatedInbox {
  inbox: AdminInbox;
  /** Secrets the hub made up, shown this once. */
  secrets: Record<string, string>;
  webhook?: Webhook;
}

export interface RotatedInbox {
  inbox: AdminInbox;
  rotated: { name: string; value: string };
  webhook?: Webhook;
}

export const listInboxes = (): Promise<AdminInbox[]> => items("/admin/inboxes");
export const createInbox = (inbox: NewInbox): Promise<CreatedInbox> => request("POST", "/admin/inboxes", inbox);
export const updateInbox = async (id: number, changes: { name?: string; opd_id?: number }): Promise<AdminInbox> =>
  (await request<{ inbox: AdminInbox }>("PATCH", `/admin/inboxes/${id}`, changes)).inbox;
export const rotateInbox = (id: number): Promise<RotatedInbox> => request("POST", `/admin/inboxes/${id}/rotate`, {});

export const listCategories = (): Promise<Category[]> => items("/categories");
export const createCategory = async (category: Omit<Category, "id" | "active">): Promise<Category> =>
  (await request<{ category: Category }>("POST", "/categories", category)).category;
export const updateCategory = async (id: number, changes: Partial<Omit<Category, "id">>): Promise<Category> =>
  (await request<{ category: Category }>("PATCH", `/categories/${id}`, changes)).category;

export const listCanned = (): Promise<CannedResponse[]> => items("/canned-responses");
export const createCanned = async (canned: Omit<CannedResponse, "id">): Promise<CannedResponse> =>
  (await request<{ canned_response: CannedResponse }>("POST", "/canned-responses", canned)).canned_response;
export const updateCanned = async (id: number, changes: Partial<Omit<CannedResponse, "id">>): Promise<CannedResponse> =>
  (await request<{ canned_response: CannedResponse }>("PATCH", `/canned-responses/${id}`, changes)).canned_response;
export const deleteCanned = (id: number): Promise<void> => request("DELETE", `/canned-responses/${id}`);

/** The organisation's week, or with an OPD's slug that OPD's own week (empty: it follows the organisation's). */
const hoursPath = (opd: string | null): string => `/admin/business-hours${opd ? `?opd=${encodeURIComponent(opd)}` : ""}`;
export const getHours = async (opd: string | null = null): Promise<BusinessDay[]> => (await request<{ days: BusinessDay[] }>("GET", hoursPath(opd))).days;
export const putHours = async (days: BusinessDay[], opd: string | null = null): Promise<BusinessDay[]> =>
  (await request<{ days: BusinessDay[] }>("PUT", hoursPath(opd), { days })).days;

export type DeadlineUnit = "working_days" | "working_hours" | "hours";

export interface DeadlineRule {
  amount: number;
  unit: DeadlineUnit;
}

/** An SLA policy: of the whole city (opd null), an OPD, and/or one category. */
export interface SlaPolicy {
  id: number;
  opd: string | null;
  category: string | null;
  /** The preset it was set from, unless its deadlines were set by hand. */
  preset: string | null;
  response: DeadlineRule;
  resolution: DeadlineRule;
}

export interface SlaPreset {
  name: string;
  response: DeadlineRule;
  resolution: DeadlineRule;
}

export interface SlaPolicies {
  items: SlaPolicy[];
  presets: SlaPreset[];
  /** The preset of cases no policy covers (config [sla] policy). */
  default: string;
}

export interface SlaPolicyInput {
  opd: string | null;
  category: string | null;
  preset?: string;
  response?: DeadlineRule;
  resolution?: DeadlineRule;
}

export const listSlaPolicies = (): Promise<SlaPolicies> => request("GET", "/admin/sla-policies");
export const putSlaPolicy = (policy: SlaPolicyInput): Promise<SlaPolicies> => request("PUT", "/admin/sla-policies", policy);
export const deleteSlaPolicy = (id: number): Promise<void> => request("DELETE", `/admin/sla-policies/${id}`);

export const listAreas = (): Promise<Area[]> => items("/areas");
export const createArea = async (kecamatan: string, kelurahan: string): Promise<Area> =>
  (await request<{ area: Area }>("POST", "/areas", { kecamatan, kelurahan })).area;
export const importAreas = (csv: string): Promise<{ added: number; skipped: number }> => request("POST", "/areas/import", { csv });
export const deleteArea = (id: number): Promise<void> => request("DELETE", `/areas/${id}`);
