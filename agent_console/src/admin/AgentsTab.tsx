// Agents: add one (a generated password, shown once), change role/OPD/capacity,
// reset the password, (de)activate.
import { useState } from "preact/hooks";
import { label, useT } from "../i18n";
import { useStore } from "../store";
import { createAgent, listAgents, resetPassword, updateAgent, type AdminAgent, type AdminOpd, type AgentChanges, type Role } from "./api";
import { ErrorNote, Field, LoadState, OnceBox, OpdSelect, useAction, useLoad } from "./shared";

const ROLES: Role[] = ["agent", "supervisor", "admin"];

/** Only an admin may be without an OPD: anyone else gets one (the first) when they have none. */
function placed<T extends { role: Role; opd_id: number | null }>(who: T, fallback: number | null): T {
  return who.role !== "admin" && who.opd_id === null ? { ...who, opd_id: fallback } : who;
}

interface Draft {
  name: string;
  role: Role;
  opd_id: number | null;
  capacity: number;
}

export function AgentsTab({ opds }: { opds: AdminOpd[] }) {
  const t = useT();
  const me = useStore((s) => s.agent?.id);
  const agents = useLoad(listAgents);
  const firstOpd = opds.find((o) => o.active)?.id ?? null;
  const [form, setForm] = useState({ email: "", name: "", role: "agent" as Role, opd_id: firstOpd, capacity: 10 });
  const [once, setOnce] = useState<{ title: string; value: string } | null>(null);
  const [editing, setEditing] = useState<{ id: number; draft: Draft } | null>(null);
  const action = useAction();

  const add = async (e: Event): Promise<void> => {
    e.preventDefault();
    const ok = await action.run(async () => {
      const created = await createAgent(form);
      setOnce({ title: t.admin.agents.created(created.agent.name), value: created.password });
    });
    if (ok) {
      setForm({ ...form, email: "", name: "" });
      agents.reload();
    }
  };
  const change = async (agent: AdminAgent, changes: AgentChanges): Promise<void> => {
    if (changes.active === false && !window.confirm(t.admin.agents.deactivateConfirm(agent.name))) return;
    if (await action.run(() => updateAgent(agent.id, changes))) {
      setEditing(null);
      agents.reload();
    }
  };
  const reset = async (agent: AdminAgent): Promise<void> => {
    if (!window.confirm(t.admin.agents.resetConfirm(agent.name))) return;
    await action.run(async () => {
      const done = await resetPassword(agent.id);
      setOnce({ title: t.admin.agents.reset(agent.name), value: done.password });
    });
  };
  const roleName = (role: string): string => label(t.admin.agents.roles, role);

  return (
    <div>
      <h2 class="admin-h2">{t.admin.agents.heading}</h2>
      <form class="admin-form" onSubmit={add} data-testid="agent-form">
        <Field label={t.admin.agents.email}>
          <input type="email" value={form.email} onInput={(e) => setForm({ ...form, email: e.currentTarget.value })} data-testid="agent-email" required />
        </Field>
        <Field label={t.admin.agents.name}>
          <input value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} data-testid="agent-name-input" required />
        </Field>
        <Field label={t.admin.agents.role}>
          <select value={form.role} onChange={(e) => setForm(placed({ ...form, role: e.currentTarget.value as Role }, firstOpd))} data-testid="agent-role">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {roleName(r)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t.admin.agents.opd}>
          <OpdSelect
            opds={opds}
            value={form.opd_id}
            onChange={(opd_id) => setForm({ ...form, opd_id })}
            none={form.role === "admin" ? t.admin.noOpd : undefined}
            testid="agent-opd"
            label={t.admin.agents.opd}
          />
        </Field>
        <Field label={t.admin.agents.capacity} hint={t.admin.agents.capacityHint}>
          <input
            type="number"
            min={0}
            max={1000}
            value={form.capacity}
            onInput={(e) => setForm({ ...form, capacity: Number(e.currentTarget.value) })}
            data-testid="agent-capacity"
          />
        </Field>
        <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="agent-submit">
          {t.admin.agents.create}
        </button>
      </form>
      <ErrorNote error={action.error} />
      {once && <OnceBox title={once.title} value={once.value} onClose={() => setOnce(null)} />}
      <LoadState loaded={agents}>
        {(list) => (
          <table class="admin-table" data-testid="agent-table">
            <thead>
              <tr>
                <th>{t.admin.agents.name}</th>
                <th>{t.admin.agents.email}</th>
                <th>{t.admin.agents.role}</th>
                <th>{t.admin.agents.opd}</th>
                <th>{t.admin.agents.capacity}</th>
                <th>{t.admin.agents.status}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((a) =>
                editing?.id === a.id ? (
                  <EditRow key={a.id} agent={a} draft={editing.draft} opds={opds} onDraft={(draft) => setEditing({ id: a.id, draft })} onSave={() => void change(a, editing.draft)} onCancel={() => setEditing(null)} />
                ) : (
                  <tr key={a.id} data-testid="agent-row" data-email={a.email} class={a.active ? "" : "is-inactive"}>
                    <td>{a.name}</td>
                    <td class="admin-mono">{a.email}</td>
                    <td>{roleName(a.role)}</td>
                    <td>{a.opd?.name ?? t.admin.none}</td>
                    <td>{a.capacity}</td>
                    <td data-testid="agent-status">{a.active ? t.admin.active : t.admin.inactive}</td>
                    <td class="admin-actions">
                      {a.id !== me && (
                        <>
                          <button
                            type="button"
                            class="btn btn-small"
                            data-testid="agent-edit"
                            onClick={() => setEditing({ id: a.id, draft: { name: a.name, role: a.role, opd_id: a.opd?.id ?? null, capacity: a.capacity } })}
                          >
                            {t.admin.edit}
                          </button>
                          <button type="button" class="btn btn-small" data-testid="agent-toggle" onClick={() => void change(a, { active: !a.active })}>
                            {a.active ? t.admin.deactivate : t.admin.activate}
                          </button>
                          <button type="button" class="btn btn-small" data-testid="agent-reset" onClick={() => void reset(a)}>
                            {t.admin.agents.resetPassword}
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        )}
      </LoadState>
    </div>
  );
}

function EditRow({
  agent,
  draft,
  opds,
  onDraft,
  onSave,
  onCancel,
}: {
  agent: AdminAgent;
  draft: Draft;
  opds: AdminOpd[];
  onDraft: (draft: Draft) => void;
  onSave: () => void;
  onCancel: () => void;
}) {
  const t = useT();
  return (
    <tr data-testid="agent-edit-row" data-email={agent.email}>
      <td>
        <input value={draft.name} aria-label={t.admin.agents.name} onInput={(e) => onDraft({ ...draft, name: e.currentTarget.value })} />
      </td>
      <td class="admin-mono">{agent.email}</td>
      <td>
        <select
          aria-label={t.admin.agents.role}
          value={draft.role}
          onChange={(e) => onDraft(placed({ ...draft, role: e.currentTarget.value as Role }, opds.find((o) => o.active)?.id ?? null))}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {label(t.admin.agents.roles, r)}
            </option>
          ))}
        </select>
      </td>
      <td>
        <OpdSelect
          opds={opds}
          value={draft.opd_id}
          onChange={(opd_id) => onDraft({ ...draft, opd_id })}
          none={draft.role === "admin" ? t.admin.noOpd : undefined}
          label={t.admin.agents.opd}
        />
      </td>
      <td>
        <input
          type="number"
          class="admin-narrow"
          min={0}
          max={1000}
          aria-label={t.admin.agents.capacity}
          value={draft.capacity}
          onInput={(e) => onDraft({ ...draft, capacity: Number(e.currentTarget.value) })}
        />
      </td>
      <td />
      <td class="admin-actions">
        <button type="button" class="btn btn-small btn-primary" onClick={onSave}>
          {t.admin.save}
        </button>
        <button type="button" class="btn btn-small" onClick={onCancel}>
          {t.admin.cancel}
        </button>
      </td>
    </tr>
  );
}
