// Pieces every admin tab uses: loading a list, running a change, errors, pickers.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { errorBody } from "../api";
import { errorText, useT } from "../i18n";
import type { Strings } from "../locales/id";
import type { ErrorBody } from "../types";
import type { AdminOpd } from "./api";

export interface Loaded<T> {
  data: T | null;
  error: ErrorBody | null;
  reload: () => void;
  set: (data: T) => void;
}

/** Load once on mount; `reload` after a change. */
export function useLoad<T>(load: () => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const reload = useCallback(() => {
    setError(null);
    load().then(setData, (err: unknown) => setError(errorBody(err)));
  }, [load]);
  useEffect(reload, [reload]);
  return { data, error, reload, set: setData };
}

export interface Action {
  busy: boolean;
  error: ErrorBody | null;
  /** Run a change; true when it worked (its error is shown otherwise). */
  run: (work: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const run = async (work: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await work();
      return true;
    } catch (err) {
      setError(errorBody(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(null) };
}

/** Our words for the admin codes; the hub's own detail where it names the field. */
export function adminErrorText(t: Strings, error: ErrorBody): string {
  const own = t.admin.errors[error.code];
  if (error.code === "invalid_options") return `${own} ${error.message}`;
  if (own) return own;
  if (error.code === "bad_request" || error.code === "not_found") return `${errorText(t, error)} (${error.message})`;
  return errorText(t, error);
}

export function ErrorNote({ error, testid = "admin-error" }: { error: ErrorBody | null; testid?: string }) {
  const t = useT();
  if (!error) return null;
  return (
    <p class="admin-error" role="alert" data-testid={testid} data-code={error.code}>
      {adminErrorText(t, error)}
    </p>
  );
}

export function LoadState<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  const t = useT();
  if (loaded.error) {
    return (
      <div class="admin-error" role="alert">
        {t.admin.loadError} {adminErrorText(t, loaded.error)}{" "}
        <button type="button" class="btn btn-small" onClick={loaded.reload}>
          {t.admin.retry}
        </button>
      </div>
    );
  }
  if (loaded.data === null) return <p class="admin-muted">{t.admin.loading}</p>;
  return <>{children(loaded.data)}</>;
}

/** A value the hub shows only once (a password, a rotated secret), with a copy button. */
export function OnceBox({ title, value, onClose }: { title: string; value: string; onClose: () => void }) {
  const t = useT();
  return (
    <div class="admin-once" role="status" data-testid="once-box">
      <p>{title}</p>
      <CopyField value={value} testid="once-value" />
      <p class="admin-muted">{t.admin.shownOnce}</p>
      <button type="button" class="btn btn-small" data-testid="once-close" onClick={onClose}>
        {t.admin.close}
      </button>
    </div>
  );
}

export function CopyField({ value, testid, multiline = false }: { value: string; testid?: string; multiline?: boolean }) {
  const t = useT();
  const [copied, setCopied] = useState(false);
  const copy = (): void => {
    void navigator.clipboard?.writeText(value).then(() => setCopied(true), () => undefined);
  };
  return (
    <div class="admin-copy">
      {multiline ? (
        <textarea readOnly rows={2} value={value} data-testid={testid} onFocus={(e) => e.currentTarget.select()} />
      ) : (
        <input readOnly value={value} data-testid={testid} onFocus={(e) => e.currentTarget.select()} />
      )}
      <button type="button" class="btn btn-small" onClick={copy}>
        {copied ? t.admin.copied : t.admin.copy}
      </button>
    </div>
  );
}

export function OpdSelect({
  opds,
  value,
  onChange,
  none,
  testid,
  label,
}: {
  opds: AdminOpd[];
  value: number | null;
  onChange: (id: number | null) => void;
  /** The label of "no OPD" (null), when that is allowed. */
  none?: string;
  testid?: string;
  label: string;
}) {
  const usable = opds.filter((o) => o.active || o.id === value);
  return (
    <select
      aria-label={label}
      data-testid={testid}
      value={value === null ? "" : String(value)}
      onChange={(e) => {
        const raw = e.currentTarget.value;
        onChange(raw === "" ? null : Number(raw));
      }}
    >
      {none !== undefined && <option value="">{none}</option>}
      {usable.map((o) => (
        <option key={o.id} value={String(o.id)}>
          {o.name}
        </option>
      ))}
    </select>
  );
}

export function opdName(opds: AdminOpd[] | null, id: number | null, fallback: string): string {
  if (id === null) return fallback;
  return opds?.find((o) => o.id === id)?.name ?? `#${id}`;
}

export function ConfigBadge() {
  const t = useT();
  return (
    <span class="admin-badge" title={t.admin.fromConfigTitle}>
      {t.admin.fromConfig}
    </span>
  );
}

export function Field({ label, hint, children }: { label: string; hint?: string; children: ComponentChildren }) {
  return (
    <label class="admin-field">
      <span class="admin-field-label">{label}</span>
      {children}
      {hint && <span class="admin-hint">{hint}</span>}
    </label>
  );
}
