import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Strings } from "../i18n";
import { SendIcon } from "./Icons";

export const MAX_LENGTH = 4000;
const COUNTER_FROM = MAX_LENGTH - 400;

interface Props {
  t: Strings;
  disabled: boolean;
  open: boolean;
  onSend: (text: string) => void;
  onTyping: (hasText: boolean) => void;
}

export function Composer({ t, disabled, open, onSend, onTyping }: Props) {
  const [text, setText] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  const canSend = !disabled && text.trim().length > 0;

  // Grow with the text up to a few lines, then scroll inside; again when the frame resizes.
  const fit = () => {
    const el = input.current;
    if (!el) return;
    el.style.height = "";
    // border-box: add the borders to the content height; CSS max-height caps it
    if (el.value) el.style.height = `${el.scrollHeight + el.offsetHeight - el.clientHeight}px`;
  };
  useLayoutEffect(fit, [text]);
  useEffect(() => {
    addEventListener("resize", fit);
    return () => removeEventListener("resize", fit);
  }, []);

  // On touch screens focusing would throw the keyboard up before the resident asked for it.
  useLayoutEffect(() => {
    if (open && matchMedia("(pointer: fine)").matches) input.current?.focus();
  }, [open]);

  const submit = (event?: Event) => {
    event?.preventDefault();
    if (!canSend) return;
    onSend(text.trim());
    setText("");
    input.current?.focus();
  };

  return (
    <form class="kw-composer" onSubmit={submit}>
      <textarea
        ref={input}
        class="kw-input"
        data-testid="composer-input"
        rows={1}
        maxLength={MAX_LENGTH}
        value={text}
        disabled={disabled}
        placeholder={t.placeholder}
        aria-label={t.inputLabel}
        enterkeyhint="send"
        onInput={(e) => {
          const value = e.currentTarget.value;
          setText(value);
          onTyping(value.trim().length > 0);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) submit(e);
        }}
      />
      <button type="submit" class="kw-send" data-testid="send-button" aria-label={t.send} disabled={!canSend}>
        <SendIcon />
      </button>
      {text.length >= COUNTER_FROM && (
        <p class="kw-counter" aria-live="polite">{t.remaining(MAX_LENGTH - text.length)}</p>
      )}
    </form>
  );
}
