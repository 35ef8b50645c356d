/**
 * The overview of a draft: what is answered (a section marked not applicable as one line), its
 * record forms, what blocks finishing, and "finish" — which asks first when items are unanswered
 * and stays off while nothing is answered (the draft then stays on the phone, docs/sync.md).
 */
import * as checklists from '../checklists.js';
import * as db from '../db.js';
import { codeText, pick, t } from '../i18n.js';
import * as inspections from '../inspections.js';
import { valueText } from '../limits.js';
import * as forms from '../records.js';
import * as signatures from '../signatures.js';
import { append, h, uid } from './dom.js';
import { locationPath } from './location-picker.js';
import { RecordList } from './record-list.js';

export class ReviewView {
  constructor(element, { params: [draftId], router, dialog, sync }) {
    Object.assign(this, { element, draftId, router, dialog, sync });
  }

  async render() {
    const draft = await inspections.get(this.draftId);
    if (!draft) return this.router.go('/', { replace: true });
    const checklist = await checklists.definition(draft.checklist_id, draft.checklist_version);
    const locations = await db.all('locations');
    const byId = new Map(locations.map((location) => [location.id, location]));
    const walk = await checklists.walkItems(draft, checklist);
    this.offered = new Set(walk.map((item) => item.id));
    // Every answered item is sent, also one the place's use leaves out (answered while "show all"
    // was on, or before the place changed): it is counted, listed and checked too.
    const items = [...walk, ...checklists.items(checklist)
      .filter((item) => !this.offered.has(item.id) && checklists.isAnswered(item, draft.answers[item.id]))];
    const tally = { pass: 0, fail: 0, na: 0, noted: 0, open: 0 };
    for (const item of items) tally[checklists.verdict(item, draft.answers[item.id]) ?? 'open'] += 1;
    const blocking = items.flatMap((item) => checklists.problems(item, draft.answers[item.id]).map((code) => ({ item, code })));
    const records = (draft.records ?? []).filter((record) => forms.type(checklist, record.record_type));
    const incomplete = records.filter((record) => Object.keys(forms.problems(forms.type(checklist, record.record_type), record)).length);
    this.draft = draft;
    this.checklist = checklist;
    // A reopened draft holds only what the server sent back: its other answers are already stored.
    this.unanswered = draft.inspection_synced ? 0 : tally.open;
    const noteId = uid('inspection-note');
    const answered = items.length - tally.open;
    const location = byId.get(draft.location_id);
    const recordBox = h('section', { class: 'card', 'data-testid': 'records' });
    append(this.element, 
      h('h1', { tabindex: -1 }, t('review.title')),
      h('p', { class: 'lead' }, pick(checklist.title), ' · ', location ? locationPath(location, byId) : ''),
      // A text answer is answered, neither passing nor failing: counted on its own, never as N/A.
      h('p', { 'data-testid': 'tally' }, t(tally.noted ? 'review.tally_noted' : 'review.tally', tally)),
      blocking.length || incomplete.length ? h('section', { class: 'card card-warning', role: 'alert' },
        h('h2', {}, t('review.blocking')),
        h('ul', {}, blocking.map(({ item, code }) => h('li', {},
          h('a', { href: this.href(item) }, t('review.item_problem', { n: item.index + 1, text: pick(item.text), problem: codeText(code) })))),
        incomplete.map((record) => h('li', {}, h('a', { href: `#/record/${draft.id}/${record.id}` },
          t('review.record_problem', { title: pick(forms.type(checklist, record.record_type).title) })))))) : null,
      forms.types(checklist).length ? recordBox : null,
      tally.open ? h('p', { class: 'muted' }, t('review.unanswered_note')) : null,
      answered || records.length ? null : h('p', { class: 'notice', 'data-testid': 'nothing-answered' }, t('review.nothing_answered')),
      h('ol', { class: 'overview' }, this.overview(items)),
      draft.inspection_synced ? null : this.signCard(draft),
      h('label', { for: noteId }, t('review.note')),
      h('textarea', { id: noteId, rows: 3, value: draft.note, oninput: (event) => { draft.note = event.target.value; inspections.save(draft); } }),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => this.discard() }, t('action.discard')),
        h('button', {
          type: 'button', class: 'btn btn-primary', 'data-testid': 'finish',
          disabled: Boolean(blocking.length + incomplete.length) || !(answered || records.length), onclick: (event) => this.finish(event.target),
        }, t('review.finish'))),
    );
    new RecordList(recordBox, { draft, checklist, router: this.router, dialog: this.dialog, onChange: () => this.router.resolve() }).render();
    return undefined;
  }

  /** Return the link to an item in the walk; none for one this place's walk does not offer. */
  href(item) {
    return this.offered.has(item.id) ? `#/walk/${this.draft.id}/${item.index}` : null;
  }

  /** Return the overview's rows: each item, or one row for a section whose items are all N/A. */
  overview(items) {
    const verdicts = new Map(items.map((item) => [item.id, checklists.verdict(item, this.draft.answers[item.id])]));
    const rows = [];
    for (const item of items) {
      const section = items.filter((entry) => entry.section.id === item.section.id);
      if (section.every((entry) => verdicts.get(entry.id) === 'na')) {
        if (section[0] !== item) continue;
        rows.push(h('li', { 'data-testid': 'section-na-row' }, h('a', { href: this.href(item) },
          h('span', {}, t('review.section_na', { section: pick(item.section.title), n: section.length })),
          h('span', { class: 'badge badge-na' }, t('verdict.na')))));
        continue;
      }
      const verdict = verdicts.get(item.id);
      const value = this.draft.answers[item.id]?.value;
      const counted = verdict && verdict !== 'na' && ['number', 'count_missing'].includes(item.type);
      rows.push(h('li', {}, h('a', { href: this.href(item) },
        h('span', {}, pick(item.text), counted ? h('span', { class: 'muted answer-value' }, valueText(item, value)) : null),
        h('span', { class: `badge badge-${verdict ?? 'open'}` }, t(`verdict.${verdict ?? 'open'}`)))));
    }
    return rows;
  }

  /** Offer the same-day feedback's signatures (optional), saying who has signed so far. */
  signCard(draft) {
    const who = signatures.ofInspection(draft).map(({ role }) => t(`signature.role.${role}`));
    return h('section', { class: 'card', 'data-testid': 'sign-card' },
      h('h2', {}, t('sign.title')),
      h('p', { class: 'muted' }, who.length ? t('sign.signed_by', { who: who.join(t('list.separator')) }) : t('sign.offer')),
      h('a', { class: 'btn btn-block', href: `#/sign/${draft.id}`, 'data-testid': 'sign-link' }, t(who.length ? 'sign.again' : 'sign.start')));
  }

  async finish(button) {
    if (this.unanswered && !(await this.dialog.confirm(t('review.unanswered_confirm', { n: this.unanswered }), { confirmLabel: t('review.finish') }))) return;
    button.disabled = true;
    await inspections.finish(this.draft, this.checklist);
    this.sync.run();
    this.router.go('/outbox');
  }

  async discard() {
    if (!(await this.dialog.confirm(t('home.discard_confirm'), { confirmLabel: t('action.discard'), danger: true }))) return;
    await inspections.discard(this.draft);
    this.router.go('/');
  }

  leave() {
    return inspections.flush();
  }
}
