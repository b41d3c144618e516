// The OPD workflow from the console: take and assign, disposisi (send, accept, return),
// case details, resolving with a follow-up, and cases that leave for another OPD.
import * as api from "./api";
import { applyConversation, dropConversation } from "./conversations";
import * as desk from "./deskApi";
import { navigate } from "./router";
import { getState, setState, type Toast } from "./store";
import type { Conversation, ErrorBody } from "./types";

const TOAST_MS = 10000;
let toastTimer: ReturnType<typeof setTimeout> | undefined;

export function showToast(code: string, details: Omit<Toast, "code"> = {}): void {
  clearTimeout(toastTimer);
  setState({ toast: { code, ...details } });
  toastTimer = setTimeout(dismissToast, TOAST_MS);
}

export function dismissToast(): void {
  clearTimeout(toastTimer);
  if (getState().toast) setState({ toast: null });
}

/** Whether this agent still sees a case of that OPD (a coordinator sees every OPD). */
function stillOurs(c: Conversation): boolean {
  const { agent } = getState();
  return agent?.role === "admin" || c.opd.id === agent?.opd?.id;
}

/** The hub took a case away from our OPD (`conversation_removed`). */
export function caseRemoved(id: number): void {
  const s = getState();
  if (s.openId === id) {
    navigate(null);
    showToast("removed");
  }
  dropConversation(id);
}

/** A change that answers the case as it is now; the error comes back for the form to show. */
async function change(work: () => Promise<Conversation>, toast?: string): Promise<ErrorBody | null> {
  try {
    const c = await work();
    if (stillOurs(c)) {
      applyConversation(c);
    } else {
      // Sent away (disposisi, returned): the socket's "removed" may come before or after this.
      if (getState().openId === c.id) navigate(null);
      dropConversation(c.id);
    }
    if (toast) showToast(toast);
    return null;
  } catch (err) {
    return api.errorBody(err);
  }
}

export const take = (id: number) => change(() => desk.take(id));
export const assign = (id: number, agentId: number | null) => change(() => desk.assign(id, agentId));
export const transfer = (id: number, slug: string, reason: string) => change(() => desk.transfer(id, slug, reason), "sent");
// The hub answers an accept before it gives the case to an online officer, and that news may
// reach the socket before the answer does: what counts is the case as it is afterwards.
export const acceptTransfer = (id: number) =>
  change(async () => {
    await desk.acceptTransfer(id);
    return api.getConversation(id);
  });
export const returnTransfer = (id: number, reason: string) => change(() => desk.returnTransfer(id, reason), "returned");
export const saveDetails = (id: number, details: desk.Details) => change(() => desk.patchDetails(id, details));

/**
 * Resolve with the follow-up (and photos) the resident receives. Over REST: its answer hides
 * a rahasia case's reporter from OPD agents, the socket's `status` ack does not (yet).
 */
export const resolveCase = (id: number, followUp: desk.FollowUp) => change(() => desk.resolve(id, followUp));
