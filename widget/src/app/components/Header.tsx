import type { Config } from "../config";
import type { Lang, Strings } from "../i18n";
import type { Conversation } from "../types";
import { CloseIcon } from "./Icons";

interface Props {
  t: Strings;
  lang: Lang;
  config: Config;
  conversation: Conversation | null;
  onToggleLang: () => void;
  onClose: () => void;
  onForget: () => void;
}

export function Header({ t, lang, config, conversation, onToggleLang, onClose, onForget }: Props) {
  return (
    <header class="kw-header">
      <div class="kw-header-row">
        <div class="kw-heading">
          <h1 class="kw-title">{config.opdName || config.inboxName || t.defaultTitle}</h1>
          <p class="kw-subtitle">{t.subtitle}</p>
        </div>
        <button type="button" class="kw-lang" data-testid="lang-toggle" aria-label={t.switchLang} onClick={onToggleLang}>
          {t.langButton}
        </button>
        <button type="button" class="kw-icon-button" data-testid="kanal-close" aria-label={t.close} onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      {conversation && (
        <div class="kw-tracking">
          <p>
            {t.trackingLabel} <strong data-testid="tracking-code">{conversation.tracking_code}</strong>
          </p>
          <p class="kw-tracking-hint">
            {t.trackingHint}{" "}
            <a
              class="kw-track-link"
              data-testid="track-link"
              href={`/lacak?kode=${encodeURIComponent(conversation.tracking_code)}${lang === "en" ? "&lang=en" : ""}`}
              target="_blank"
              rel="noopener noreferrer"
            >
              {t.trackLink}
            </a>
          </p>
          <button type="button" class="kw-forget" data-testid="forget" onClick={onForget}>
            {t.forget}
          </button>
        </div>
      )}
    </header>
  );
}
