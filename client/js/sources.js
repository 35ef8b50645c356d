/**
 * Readable sources: an item's `source` ("000/P2 quote; WS/T 367 …") shown by the names the
 * checklist's `sources` block gives its documents ("Action Plan … · part 2"), not by codes.
 * A citation belongs to the longest listed code it starts with, as the validator decides
 * (`cited_code` in server/schemas/checklist_definition.py), which makes every citation of a
 * shipped checklist resolve; a seed's code is followed by its part ("/P2", "/19").
 */
import { pick, t } from './i18n.js';

/** Split a source into citations: {name (bilingual) or null, part or null, quote}. */
export function citations(source, sources = []) {
  return String(source ?? '')
    .split(/[;\uff1b]/) // ASCII or full-width semicolon
    .map((text) => text.trim())
    .filter(Boolean)
    .map((text) => {
      const code = sources
        .filter((entry) => text.startsWith(entry.code))
        .sort((a, b) => b.code.length - a.code.length)[0];
      if (!code) return { name: null, part: null, quote: text };
      let rest = text.slice(code.code.length);
      const part = rest.match(/^\/P?(\S+)/);
      if (part) rest = rest.slice(part[0].length);
      return { name: code.name, part: part ? part[1] : null, quote: rest.trim() };
    });
}

/** Return the words for an item's (or record form's, or checklist's) source in the current
 * language: document names for codes, the rest as written, a non-verbatim quote marked. */
export function sourceText(item, checklist) {
  const text = citations(item.source, checklist?.sources ?? [])
    .map(({ name, part, quote }) => {
      const where = [name ? pick(name) : null, part ? t('source.part', { part }) : null].filter(Boolean).join(' · ');
      if (!where) return quote;
      return quote ? `${where} ${quote}` : where;
    })
    .join(t('source.separator'));
  const kind = item.quote_kind && item.quote_kind !== 'verbatim' ? t(`source.kind.${item.quote_kind}`) : '';
  return kind ? `${text} ${kind}` : text;
}
