import { useT } from "../i18n";
import { setLang } from "../session";

export function LangToggle() {
  const t = useT();
  return (
    <button
      type="button"
      class="btn btn-ghost lang-toggle"
      data-testid="lang-toggle"
      title={t.header.switchLangTitle}
      aria-label={t.header.switchLangTitle}
      onClick={() => setLang(t.lang === "id" ? "en" : "id")}
    >
      {t.header.switchLang}
    </button>
  );
}
