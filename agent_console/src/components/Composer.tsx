import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { useT } from "../i18n";
import { sendReply } from "../thread";
import type { Conversation } from "../types";
import { noteTyping, stopTyping } from "../typing";

const MAX_HEIGHT_PX = 180;
// Unsent text survives switching between conversations.
const drafts = new Map<number, string>();

export function Composer({ id, conversation }: { id: number; conversation: Conversation | undefined }) {
  const t = useT();
  const [text, setText] = useState(() => drafts.get(id) ?? "");
  const [isPrivate, setPrivate] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const closed = conversation?.status === "closed";

  // Mounted once per conversation (keyed by id). On phones, focusing would pop up the keyboard.
  useEffect(() => {
    if (window.matchMedia("(min-width: 800px)").matches) input.current?.focus();
  }, []);

  useLayoutEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  function update(value: string): void {
    setText(value);
    drafts.set(id, value);
    // The resident must not see "typing" while staff write a note they will never receive.
    if (value && !isPrivate) noteTyping(id);
  }

  function submit(): void {
    const body = text.trim();
    if (!body || closed) return;
    sendReply(body, isPrivate);
    setText("");
    drafts.delete(id);
    input.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent): void {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  function togglePrivate(on: boolean): void {
    setPrivate(on);
    if (on) stopTyping();
    input.current?.focus();
  }

  if (closed) return <div class="composer composer-closed">{t.thread.closedNotice}</div>;

  return (
    <form
      class={isPrivate ? "composer composer-note" : "composer"}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <textarea
        ref={input}
        class="composer-input"
        data-testid="reply-input"
        rows={2}
        aria-label={t.composer.label}
        placeholder={isPrivate ? t.composer.notePlaceholder : t.composer.placeholder}
        value={text}
        onInput={(e) => update(e.currentTarget.value)}
        onKeyDown={onKeyDown}
      />
      <div class="composer-bar">
        <label class="toggle">
          <input
            type="checkbox"
            data-testid="private-toggle"
            checked={isPrivate}
            onChange={(e) => togglePrivate(e.currentTarget.checked)}
          />
          <span>{t.composer.privateToggle}</span>
          {isPrivate && <span class="toggle-hint">— {t.composer.privateHint}</span>}
        </label>
        <button type="submit" class={isPrivate ? "btn btn-note" : "btn btn-primary"} data-testid="reply-send" disabled={!text.trim()}>
          {isPrivate ? t.composer.saveNote : t.composer.send}
        </button>
      </div>
    </form>
  );
}
