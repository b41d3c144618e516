import { useEffect, useState } from "preact/hooks";
import { errorBody } from "../api";
import * as deskApi from "../deskApi";
import { errorText, label } from "../i18n";
import type { Strings } from "../locales/id";
import type { Conversation, ErrorBody, Transfer } from "../types";

export interface Transfers {
  items: Transfer[] | null;
  error: ErrorBody | null;
}

/** The case's disposisi history, fetched again whenever the case moves or a disposisi is answered. */
export function useTransfers(c: Conversation | undefined): Transfers {
  const [state, setState] = useState<Transfers>({ items: null, error: null });
  const id = c?.id;
  const pending = c?.pending_transfer_id ?? null;
  const opd = c?.opd.id;
  useEffect(() => {
    if (id === undefined) return undefined;
    let current = true;
    deskApi.transfers(id).then(
      (items) => current && setState({ items, error: null }),
      (err: unknown) => current && setState((held) => ({ items: held.items, error: errorBody(err) })),
    );
    return () => {
      current = false;
    };
  }, [id, pending, opd]);
  return state;
}

/** An error in the workflow's words where the general text would mislead. */
export function deskErrorText(t: Strings, error: ErrorBody | null, own: Record<string, string> = {}): string {
  if (!error) return "";
  return label(own, error.code, label(t.desk.errors, error.code, errorText(t, error)));
}
