import { useEffect, useRef, useState } from "preact/hooks";
import { errorBody } from "../api";
import { SEARCH_DELAY_MS, SEARCH_MIN, searchCases, snippetParts, type SearchHit } from "../contacts";
import { errorText, useT } from "../i18n";
import { contactName } from "../model";
import { navigate } from "../router";
import { useStore } from "../store";
import type { ErrorBody } from "../types";
import { StatusBadge } from "./Badges";

export interface SearchState {
  /** The text in the box; searching starts at SEARCH_MIN characters. */
  query: string;
  hits: SearchHit[] | null;
  loading: boolean;
  error: ErrorBody | null;
}

/** Debounced search of cases: results for the query once it is long enough, else null. */
export function useSearch(query: string): SearchState {
  const [state, setSearch] = useState<SearchState>({ query, hits: null, loading: false, error: null });
  const seq = useRef(0);
  useEffect(() => {
    const q = query.trim();
    const token = ++seq.current;
    if (q.length < SEARCH_MIN) {
      setSearch({ query, hits: null, loading: false, error: null });
      return undefined;
    }
    setSearch((s) => ({ ...s, query, loading: true, error: null }));
    const timer = setTimeout(() => {
      searchCases(q).then(
        (hits) => token === seq.current && setSearch({ query, hits, loading: false, error: null }),
        (err) => token === seq.current && setSearch({ query, hits: null, loading: false, error: errorBody(err) }),
      );
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [query]);
  return state;
}

export function isSearching(query: string): boolean {
  return query.trim().length >= SEARCH_MIN;
}

export function SearchInput({ value, onChange, testid = "search-input" }: { value: string; onChange: (value: string) => void; testid?: string }) {
  const t = useT();
  return (
    <div class="search-box" role="search">
      <input
        type="search"
        class="input search-input"
        data-testid={testid}
        placeholder={t.search.placeholder}
        aria-label={t.search.label}
        maxLength={200}
        value={value}
        onInput={(e) => onChange(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape" && value) {
            e.preventDefault();
            e.stopPropagation();
            onChange("");
          }
        }}
      />
      {value && (
        <button type="button" class="btn btn-ghost btn-small search-clear" data-testid={`${testid}-clear`} aria-label={t.search.clear} title={t.search.clear} onClick={() => onChange("")}>
          ×
        </button>
      )}
    </div>
  );
}

/** A snippet with the matched words marked. */
export function Snippet({ text }: { text: string }) {
  return (
    <span class="search-snippet" data-testid="search-snippet">
      {snippetParts(text).map((part, i) => (i % 2 === 1 ? <mark key={i}>{part}</mark> : part))}
    </span>
  );
}

export function SearchResults({ search, onPick, testid = "search-result" }: { search: SearchState; onPick?: (hit: SearchHit) => void; testid?: string }) {
  const t = useT();
  const openId = useStore((s) => s.openId);
  const { hits, loading, error } = search;
  return (
    <div class="search-results" data-testid={`${testid}s`} aria-live="polite">
      {loading && <p class="list-note">{t.search.searching}</p>}
      {error && (
        <p class="list-note list-error" role="alert">
          {t.search.error} {errorText(t, error)}
        </p>
      )}
      {!loading && hits && hits.length === 0 && <p class="list-note">{t.search.empty(search.query.trim())}</p>}
      {hits && hits.length > 0 && (
        <ul class="conv-list">
          {hits.map((hit) => {
            const c = hit.conversation;
            const active = c.id === openId;
            return (
              <li key={c.id}>
                <button
                  type="button"
                  class={`conv search-result${active ? " active" : ""}`}
                  data-testid={testid}
                  data-conversation-id={c.id}
                  data-tracking-code={c.tracking_code}
                  aria-current={active ? "true" : undefined}
                  onClick={() => (onPick ? onPick(hit) : navigate(c.id))}
                >
                  <span class="conv-row">
                    <span class="conv-name">{contactName(c, t.contactFallback)}</span>
                    <span class="search-code">{c.tracking_code}</span>
                  </span>
                  <span class="conv-row">
                    <Snippet text={hit.snippet} />
                  </span>
                  <span class="conv-row conv-meta">
                    <span class="conv-opd" title={c.opd.name}>
                      {c.opd.name}
                    </span>
                    <StatusBadge status={c.status} />
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
