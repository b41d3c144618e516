import { useState } from "preact/hooks";
import { errorText, type Strings } from "../i18n";
import { readText, writeText } from "../storage";
import type { AckError, Conversation } from "../types";

const SCORES = [1, 2, 3, 4, 5];
const skippedKey = (id: number) => `kanal:csat-skip:${id}`;

interface Props {
  t: Strings;
  conversation: Conversation;
  onRate: (score: number, comment: string) => Promise<AckError | null>;
}

/** Asks once a case is resolved: five choices and an optional comment; changeable later. */
export function Rating({ t, conversation, onRate }: Props) {
  const r = t.rating;
  const rated = conversation.csat ?? null;
  const [editing, setEditing] = useState(false);
  const [skipped, setSkipped] = useState(() => readText(skippedKey(conversation.id)) === "1");
  const [score, setScore] = useState<number | null>(rated);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AckError | null>(null);

  if (rated !== null && !editing) {
    return (
      <div class="kw-rating kw-rating-done" data-testid="rating-thanks" role="status">
        {r.thanks(rated)}{" "}
        <button type="button" class="kw-link" onClick={() => setEditing(true)}>
          {r.change}
        </button>
      </div>
    );
  }
  if (skipped && !editing) return null;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (score === null || busy) return;
    setBusy(true);
    const failed = await onRate(score, comment);
    setBusy(false);
    setError(failed);
    if (!failed) setEditing(false);
  };
  const skip = () => {
    writeText(skippedKey(conversation.id), "1");
    setSkipped(true);
    setEditing(false);
  };

  return (
    <form class="kw-rating" data-testid="rating" onSubmit={submit}>
      <fieldset>
        <legend>{r.question}</legend>
        <div class="kw-scores">
          {SCORES.map((n) => (
            <button
              type="button"
              key={n}
              class="kw-score"
              data-testid={`rating-${n}`}
              aria-pressed={score === n}
              aria-label={`${r.score(n)}${n === 1 ? ` (${r.low})` : n === 5 ? ` (${r.high})` : ""}`}
              onClick={() => setScore(n)}
            >
              {n}
            </button>
          ))}
        </div>
        <div class="kw-scale" aria-hidden="true">
          <span>{r.low}</span>
          <span>{r.high}</span>
        </div>
      </fieldset>
      <textarea
        class="kw-input kw-rating-comment"
        data-testid="rating-comment"
        rows={2}
        maxLength={1000}
        value={comment}
        placeholder={r.comment}
        aria-label={r.comment}
        onInput={(e) => setComment(e.currentTarget.value)}
      />
      {error && (
        <p class="kw-rating-error" role="alert">
          {errorText(t, error)}
        </p>
      )}
      <div class="kw-rating-actions">
        <button type="button" class="kw-link" onClick={skip}>
          {r.skip}
        </button>
        <button type="submit" class="kw-rate" data-testid="rating-submit" disabled={score === null || busy}>
          {r.submit}
        </button>
      </div>
    </form>
  );
}
