/**
 * Words on screen: catalogues in i18n/<lang>.json with dotted keys, zh-CN first.
 *
 * The server sends stable codes (``sync.photo_required``); ``codeText`` turns them into words.
 * Bilingual server data (``{"zh-CN": …, "en": …}``) is shown with ``pick``.
 */
export const LANGUAGES = ['zh-CN', 'en'];
export const DEFAULT_LANGUAGE = 'zh-CN';

let current = DEFAULT_LANGUAGE;
let catalogue = {};

/** Load a language's catalogue and make it current. */
export async function load(language) {
  current = LANGUAGES.includes(language) ? language : DEFAULT_LANGUAGE;
  const response = await fetch(`/i18n/${current}.json`);
  catalogue = await response.json();
  document.documentElement.lang = current;
}

/** Return the current language code. */
export const language = () => current;

/** Return the words for a key, with ``{name}`` placeholders filled in. */
export function t(key, params = {}) {
  const text = catalogue[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

/** Return the words for a server (or client) error code. */
export function codeText(code) {
  return catalogue[`code.${code}`] ?? t('code.unknown', { code });
}

/** Return the text of bilingual server data in the current language. */
export function pick(bilingual) {
  if (!bilingual) return '';
  return bilingual[current] || bilingual[DEFAULT_LANGUAGE] || '';
}

/** Fill elements marked with data-i18n (text) and data-i18n-<attribute> (attributes). */
export function translate(root) {
  for (const element of root.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const attribute of ['aria-label', 'placeholder', 'title', 'content']) {
    for (const element of root.querySelectorAll(`[data-i18n-${attribute}]`)) {
      element.setAttribute(attribute, t(element.getAttribute(`data-i18n-${attribute}`)));
    }
  }
}

/** Format a timestamp as date and time in the current language. */
export function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  const today = date.toDateString() === new Date().toDateString();
  const options = today ? { timeStyle: 'short' } : { dateStyle: 'short', timeStyle: 'short' };
  return new Intl.DateTimeFormat(current, options).format(date);
}

/** Format a moment as the local time of day ("14:32"), for "try again at". */
export function formatClock(date) {
  return new Intl.DateTimeFormat(current, { timeStyle: 'short' }).format(date);
}

/** Format a timestamp as a date. */
export function formatDate(iso) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium' }).format(new Date(iso));
}

/** Format a byte count as KB or MB. */
export function formatBytes(bytes) {
  const mb = bytes / 1024 / 1024;
  if (mb >= 1024) return t('unit.gb', { n: (mb / 1024).toFixed(1) });
  return mb >= 1 ? t('unit.mb', { n: mb.toFixed(1) }) : t('unit.kb', { n: Math.ceil(bytes / 1024) });
}
