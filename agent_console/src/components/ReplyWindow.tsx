import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { label, useT } from "../i18n";
import { choiceOf, hoursMinutes, prefill, renderTemplate, templateParts } from "../replyWindow";
import { sendTemplate } from "../thread";
import type { Conversation } from "../types";

const DAY_SECONDS = 86400;

/** Why free text is gone: the channel's window closed after the resident's last message. */
export function WindowClosedNotice({ conversation: c }: { conversation: Conversation }) {
  const t = useT();
  const hours = Math.round((c.inbox.reply_window_seconds ?? DAY_SECONDS) / 3600);
  return (
    <p class="window-notice" role="status" data-testid="window-closed-notice">
      {t.replyWindow.closed(hours, label(t.inbox, c.inbox.kind, c.inbox.name))}
    </p>
  );
}

/** "Reply window closes in 1 h 20 m", shown while little of it is left. */
export function WindowCountdown({ left }: { left: number }) {
  const t = useT();
  const { hours, minutes } = hoursMinutes(left);
  return (
    <p class="window-countdown" data-testid="window-countdown" title={t.replyWindow.countdownTitle}>
      {t.replyWindow.countdown(t.replyWindow.left(hours, minutes))}
    </p>
  );
}

interface PickerProps {
  id: number;
  conversation: Conversation;
  /** Shown in the picker's bar, left of its send button (the internal-note switch). */
  children?: ComponentChildren;
}

/** One of the inbox's approved templates, its parameters filled in, and how it will read. */
export function TemplatePicker({ id, conversation: c, children }: PickerProps) {
  const t = useT();
  const templates = c.inbox.templates ?? [];
  const [index, setIndex] = useState(0);
  const template = templates[Math.min(index, templates.length - 1)];
  const [values, setValues] = useState(() => (template ? prefill(template, c.contact.name) : []));

  if (!template) {
    return (
      <div class="template-picker" data-testid="template-picker">
        <p class="template-none">{t.replyWindow.noTemplates}</p>
        <div class="composer-bar">
          <div class="composer-tools">{children}</div>
        </div>
      </div>
    );
  }

  const complete = values.length === template.parameters && values.every((v) => v.trim());

  function choose(next: number): void {
    setIndex(next);
    setValues(prefill(templates[next], c.contact.name));
  }

  function fill(slot: number, value: string): void {
    setValues((held) => held.map((v, i) => (i === slot ? value : v)));
  }

  function submit(event: Event): void {
    event.preventDefault();
    if (!complete) return;
    const choice = choiceOf(template, values);
    sendTemplate(id, choice, renderTemplate(template.body, choice.parameters));
    setValues(prefill(template, c.contact.name));
  }

  return (
    <form class="template-picker" data-testid="template-picker" onSubmit={submit}>
      <div class="template-fields">
        <label class="template-field">
          <span class="field-label">{t.replyWindow.template}</span>
          <select
            data-testid="template-select"
            value={String(index)}
            onChange={(e) => choose(Number(e.currentTarget.value))}
          >
            {templates.map((item, i) => (
              <option key={`${item.name}/${item.language}`} value={String(i)}>
                {item.language ? `${item.name} (${item.language})` : item.name}
              </option>
            ))}
          </select>
        </label>
        {values.map((value, i) => (
          <label class="template-field" key={`${template.name}/${i}`}>
            <span class="field-label">{t.replyWindow.parameter(i + 1)}</span>
            <input
              type="text"
              data-testid="template-param"
              data-slot={i + 1}
              value={value}
              onInput={(e) => fill(i, e.currentTarget.value)}
            />
          </label>
        ))}
      </div>
      <span class="template-preview-label">{t.replyWindow.preview}</span>
      <p class="template-preview" data-testid="template-preview" aria-live="polite">
        {templateParts(template.body, values).map((part, i) =>
          part.slot === undefined ? (
            part.text
          ) : (
            <mark key={i} class={part.text.trim() ? "slot" : "slot slot-empty"}>
              {part.text.trim() ? part.text : `{{${part.slot}}}`}
            </mark>
          ),
        )}
      </p>
      <div class="composer-bar">
        <div class="composer-tools">{children}</div>
        <button
          type="submit"
          class="btn btn-primary"
          data-testid="template-send"
          disabled={!complete}
          title={complete ? undefined : t.replyWindow.incomplete}
        >
          {t.replyWindow.send}
        </button>
      </div>
    </form>
  );
}
