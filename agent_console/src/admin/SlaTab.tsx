// SLA policies: how long an OPD (and maybe one category of it) has to answer a case and to
// follow it up, from a preset (lapor, 1x24...) or set by hand; the default for the rest.
import { useState } from "preact/hooks";
import { useT } from "../i18n";
import {
  deleteSlaPolicy,
  listCategories,
  listSlaPolicies,
  putSlaPolicy,
  type AdminOpd,
  type DeadlineRule,
  type DeadlineUnit,
  type SlaPolicy,
  type SlaPolicyInput,
  type SlaPreset,
} from "./api";
import { ErrorNote, Field, LoadState, OpdSelect, useAction, useLoad } from "./shared";

const UNITS: DeadlineUnit[] = ["working_days", "working_hours", "hours"];
const CUSTOM = "custom";

interface Form {
  opd_id: number | null;
  category: string;
  /** A preset's name, or CUSTOM. */
  rule: string;
  response: DeadlineRule;
  resolution: DeadlineRule;
}

const FALLBACK: DeadlineRule = { amount: 5, unit: "working_days" };

function presetForm(presets: SlaPreset[], name: string, base: Omit<Form, "rule" | "response" | "resolution">): Form {
  const preset = presets.find((p) => p.name === name) ?? presets[0];
  return { ...base, rule: preset?.name ?? CUSTOM, response: preset?.response ?? FALLBACK, resolution: preset?.resolution ?? FALLBACK };
}

export function SlaTab({ opds }: { opds: AdminOpd[] }) {
  const t = useT();
  const s = t.sla.admin;
  const policies = useLoad(listSlaPolicies);
  const categories = useLoad(listCategories);
  const [form, setForm] = useState<Form | null>(null);
  const [saved, setSaved] = useState(false);
  const action = useAction();

  const rule = (d: DeadlineRule): string => s.deadline(d.amount, s.units[d.unit] ?? d.unit);
  const presetName = (name: string): string => s.presets[name] ?? name;
  const opdLabel = (slug: string | null): string => (slug === null ? s.wholeOrg : (opds.find((o) => o.slug === slug)?.name ?? slug));
  const who = (p: SlaPolicy): string => [opdLabel(p.opd), p.category].filter(Boolean).join(" · ");

  const submit = async (e: Event, current: Form): Promise<void> => {
    e.preventDefault();
    setSaved(false);
    const scope = { opd: opds.find((o) => o.id === current.opd_id)?.slug ?? null, category: current.category || null };
    const body: SlaPolicyInput =
      current.rule === CUSTOM ? { ...scope, response: current.response, resolution: current.resolution } : { ...scope, preset: current.rule };
    if (await action.run(async () => policies.set(await putSlaPolicy(body)))) setSaved(true);
  };
  const remove = async (p: SlaPolicy): Promise<void> => {
    if (!window.confirm(s.deleteConfirm(who(p)))) return;
    setSaved(false);
    if (await action.run(() => deleteSlaPolicy(p.id))) policies.reload();
  };

  return (
    <div>
      <h2 class="admin-h2">{s.heading}</h2>
      <p class="admin-muted">{s.hint}</p>
      <LoadState loaded={policies}>
        {({ items, presets, default: fallback }) => {
          const current = form ?? presetForm(presets, fallback, { opd_id: null, category: "" });
          const change = (patch: Partial<Form>): void => {
            setSaved(false);
            setForm({ ...current, ...patch });
          };
          const chooseRule = (name: string): void => {
            if (name === CUSTOM) change({ rule: CUSTOM });
            else change(presetForm(presets, name, { opd_id: current.opd_id, category: current.category }));
          };
          const edit = (p: SlaPolicy): void => {
            setSaved(false);
            setForm({
              opd_id: opds.find((o) => o.slug === p.opd)?.id ?? null,
              category: p.category ?? "",
              rule: p.preset ?? CUSTOM,
              response: p.response,
              resolution: p.resolution,
            });
          };
          const defaultPreset = presets.find((p) => p.name === fallback);
          const known = (categories.data ?? []).filter((c) => c.active || c.name === current.category);
          return (
            <>
              <p class="admin-muted" data-testid="sla-default" data-preset={fallback}>
                {s.defaultLine(defaultPreset ? s.presetLine(presetName(fallback), rule(defaultPreset.response), rule(defaultPreset.resolution)) : presetName(fallback))}
              </p>
              <form class="admin-form" onSubmit={(e) => void submit(e, current)} data-testid="sla-form">
                <Field label={s.opd}>
                  <OpdSelect opds={opds} value={current.opd_id} onChange={(opd_id) => change({ opd_id })} none={s.wholeOrg} testid="sla-opd" label={s.opd} />
                </Field>
                <Field label={s.category}>
                  <select aria-label={s.category} data-testid="sla-category" value={current.category} onChange={(e) => change({ category: e.currentTarget.value })}>
                    <option value="">{s.anyCategory}</option>
                    {current.category && !known.some((c) => c.name === current.category) && <option value={current.category}>{current.category}</option>}
                    {known.map((c) => (
                      <option key={c.id} value={c.name}>
                        {c.name}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field label={s.rule}>
                  <select aria-label={s.rule} data-testid="sla-rule" value={current.rule} onChange={(e) => chooseRule(e.currentTarget.value)}>
                    {presets.map((p) => (
                      <option key={p.name} value={p.name}>
                        {s.presetLine(presetName(p.name), rule(p.response), rule(p.resolution))}
                      </option>
                    ))}
                    <option value={CUSTOM}>{s.custom}</option>
                  </select>
                </Field>
                {current.rule === CUSTOM && (
                  <>
                    <DeadlineInput label={s.response} value={current.response} onChange={(response) => change({ response })} testid="sla-response" />
                    <DeadlineInput label={s.resolution} value={current.resolution} onChange={(resolution) => change({ resolution })} testid="sla-resolution" />
                  </>
                )}
                <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="sla-submit">
                  {s.submit}
                </button>
              </form>
              <p class="admin-muted">{s.replaceHint}</p>
              {saved && (
                <p class="admin-ok" role="status" data-testid="sla-saved">
                  {s.saved}
                </p>
              )}
              <ErrorNote error={action.error} />
              {items.length === 0 ? (
                <p class="admin-muted" data-testid="sla-empty">
                  {s.empty}
                </p>
              ) : (
                <table class="admin-table" data-testid="sla-table">
                  <thead>
                    <tr>
                      <th>{s.opd}</th>
                      <th>{s.category}</th>
                      <th>{s.rule}</th>
                      <th>{s.response}</th>
                      <th>{s.resolution}</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((p) => (
                      <tr key={p.id} data-testid="sla-policy-row" data-opd={p.opd ?? ""} data-category={p.category ?? ""} data-preset={p.preset ?? CUSTOM}>
                        <td>{opdLabel(p.opd)}</td>
                        <td>{p.category ?? s.anyCategory}</td>
                        <td>{p.preset ? presetName(p.preset) : s.custom}</td>
                        <td>{rule(p.response)}</td>
                        <td>{rule(p.resolution)}</td>
                        <td class="admin-actions">
                          <button type="button" class="btn btn-small" data-testid="sla-edit" onClick={() => edit(p)}>
                            {t.admin.edit}
                          </button>
                          <button type="button" class="btn btn-small" data-testid="sla-delete" disabled={action.busy} onClick={() => void remove(p)}>
                            {t.admin.delete}
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          );
        }}
      </LoadState>
    </div>
  );
}

function DeadlineInput({ label, value, onChange, testid }: { label: string; value: DeadlineRule; onChange: (rule: DeadlineRule) => void; testid: string }) {
  const t = useT();
  const s = t.sla.admin;
  return (
    <fieldset class="admin-field admin-deadline" data-testid={testid}>
      <legend class="admin-field-label">{label}</legend>
      <span class="admin-deadline-inputs">
        <input
          type="number"
          class="admin-narrow"
          min={1}
          max={10000}
          step={1}
          required
          aria-label={`${label}: ${s.amount}`}
          data-testid={`${testid}-amount`}
          value={value.amount}
          onInput={(e) => onChange({ ...value, amount: Number(e.currentTarget.value) })}
        />
        <select aria-label={`${label}: ${s.unit}`} data-testid={`${testid}-unit`} value={value.unit} onChange={(e) => onChange({ ...value, unit: e.currentTarget.value as DeadlineUnit })}>
          {UNITS.map((unit) => (
            <option key={unit} value={unit}>
              {s.units[unit]}
            </option>
          ))}
        </select>
      </span>
    </fieldset>
  );
}
