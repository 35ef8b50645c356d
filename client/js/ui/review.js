/** The overview of a draft: what is answered, its record forms, what blocks finishing, "finish". */
import * as checklists from '../checklists.js';
import * as db from '../db.js';
import { codeText, pick, t } from '../i18n.js';
import * as inspections from '../inspections.js';
import * as forms from '../records.js';
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
    const items = checklists.items(checklist);
    const tally = { pass: 0, fail: 0, na: 0, noted: 0, open: 0 };
    const blocking = [];
    for (const item of items) {
      const answer = draft.answers[item.id];
      tally[checklists.verdict(item, answer) ?? 'open'] += 1;
      for (const code of checklists.problems(item, answer)) blocking.push({ item, code });
    }
    const records = (draft.records ?? []).filter((record) => forms.type(checklist, record.record_type));
    const incomplete = records.filter((record) => Object.keys(forms.problems(forms.type(checklist, record.record_type), record)).length);
    this.draft = draft;
    this.checklist = checklist;
    const noteId = uid('inspection-note');
    const answered = items.length - tally.open;
    const location = byId.get(draft.location_id);
    const recordBox = h('section', { class: 'card', 'data-testid': 'records' });
    append(this.element, 
      h('h1', { tabindex: -1 }, t('review.title')),
      h('p', { class: 'lead' }, pick(checklist.title), ' · ', location ? locationPath(location, byId) : ''),
      h('p', { 'data-testid': 'tally' }, t('review.tally', { pass: tally.pass, fail: tally.fail, na: tally.na + tally.noted, open: tally.open })),
      blocking.length || incomplete.length ? h('section', { class: 'card card-warning', role: 'alert' },
        h('h2', {}, t('review.blocking')),
        h('ul', {}, blocking.map(({ item, code }) => h('li', {},
          h('a', { href: `#/walk/${draft.id}/${item.index}` }, t('review.item_problem', { n: item.index + 1, text: pick(item.text), problem: codeText(code) })))),
        incomplete.map((record) => h('li', {}, h('a', { href: `#/record/${draft.id}/${record.id}` },
          t('review.record_problem', { title: pick(forms.type(checklist, record.record_type).title) })))))) : null,
      forms.types(checklist).length ? recordBox : null,
      tally.open ? h('p', { class: 'muted' }, t('review.unanswered_note')) : null,
      h('ol', { class: 'overview' }, items.map((item) => {
        const verdict = checklists.verdict(item, draft.answers[item.id]);
        return h('li', {}, h('a', { href: `#/walk/${draft.id}/${item.index}` },
          h('span', {}, pick(item.text)),
          h('span', { class: `badge badge-${verdict ?? 'open'}` }, t(`verdict.${verdict ?? 'open'}`))));
      })),
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

  async finish(button) {
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
