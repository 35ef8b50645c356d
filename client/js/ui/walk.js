/**
 * The walk: one item per screen with large controls, note, photos, guidance and source. It offers
 * the items that apply to the place's use (a switch shows all), and a whole section can be marked
 * not applicable at once.
 */
import * as checklists from '../checklists.js';
import { codeText, pick, t } from '../i18n.js';
import { now } from '../ids.js';
import * as inspections from '../inspections.js';
import { sourceText } from '../sources.js';
import { append, fill, h, uid } from './dom.js';
import { AnswerControls } from './answer.js';
import { PhotoStrip } from './photo-strip.js';

export class WalkView {
  constructor(element, { params: [draftId, index], router, dialog }) {
    this.element = element;
    this.draftId = draftId;
    this.index = Number(index);
    this.router = router;
    this.dialog = dialog;
  }

  async render() {
    this.draft = await inspections.get(this.draftId);
    if (!this.draft) return this.router.go('/', { replace: true });
    this.checklist = await checklists.definition(this.draft.checklist_id, this.draft.checklist_version);
    if (!this.checklist) return this.router.go(`/start/${this.draftId}`, { replace: true });
    this.items = await checklists.walkItems(this.draft, this.checklist);
    if (!this.items.length) return this.renderNothingHere();
    const index = Math.min(Math.max(this.index, 0), this.items.length - 1);
    const item = this.items[index];
    this.item = item;
    this.answer = inspections.answer(this.draft, item.id);
    this.draft.position = index;
    inspections.save(this.draft);
    const noteId = uid('note');
    this.state = h('p', { class: 'verdict', 'aria-live': 'polite', 'data-testid': 'verdict' });
    const answerBox = h('div');
    const photoBox = h('section', { class: 'photos' });
    const last = index === this.items.length - 1;
    append(this.element, 
      h('div', { class: 'progress-line' },
        h('span', { 'data-testid': 'progress' }, t('walk.progress', { i: index + 1, n: this.items.length })),
        h('progress', { max: this.items.length, value: index + 1, 'aria-hidden': 'true' })),
      this.scopeSwitch(),
      h('div', { class: 'row wrap section-line' },
        h('p', { class: 'section-title' }, pick(item.section.title)),
        h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'section-na', onclick: () => this.sectionNotApplicable(item.section) },
          t('walk.section_na'))),
      h('h1', { tabindex: -1, class: 'item-text' }, pick(item.text)),
      h('div', { class: 'row wrap' },
        h('span', { class: `badge badge-${item.severity}` }, t(`severity.${item.severity}`)),
        h('span', { class: 'badge' }, t(`photo_rule.${item.photo}`))),
      this.answer.rejected ? h('p', { class: 'error', role: 'alert' }, t('walk.rejected', { reason: codeText(this.answer.rejected) })) : null,
      answerBox,
      this.state,
      photoBox,
      h('label', { for: noteId }, t('walk.note')),
      h('textarea', { id: noteId, rows: 3, value: this.answer.note, 'data-testid': 'note', oninput: (event) => this.change({ note: event.target.value }) }),
      item.guidance ? h('details', { class: 'guidance' }, h('summary', {}, t('walk.guidance')), h('p', {}, pick(item.guidance))) : null,
      h('p', { class: 'muted source', 'data-testid': 'source' }, t('walk.source', { source: sourceText(item, this.checklist) })),
      h('nav', { class: 'walk-nav', 'aria-label': t('walk.nav') },
        h('a', { class: 'btn', href: `#/walk/${this.draftId}/${index - 1}`, 'aria-disabled': String(index === 0), hidden: index === 0 }, t('walk.previous')),
        h('a', { class: 'btn', href: `#/review/${this.draftId}`, 'data-testid': 'overview' }, t('walk.overview')),
        h('a', { class: 'btn btn-primary', 'data-testid': 'next', href: last ? `#/review/${this.draftId}` : `#/walk/${this.draftId}/${index + 1}` },
          last ? t('walk.finish') : t('walk.next'))),
    );
    new AnswerControls(answerBox, { item, answer: this.answer, onChange: (patch) => this.change(patch) }).render();
    this.photos = new PhotoStrip(photoBox, { draft: this.draft, item, onChange: () => this.showState() });
    await this.photos.render();
    this.showState();
    return undefined;
  }

  /** Return the "show all items" switch, with how many items the place's use leaves. */
  scopeSwitch() {
    const id = uid('show-all');
    const total = checklists.items(this.checklist).length;
    return h('div', { class: 'row wrap scope' },
      h('input', { type: 'checkbox', id, checked: Boolean(this.draft.show_all), 'data-testid': 'show-all', onchange: (event) => this.showAll(event.target.checked) }),
      h('label', { for: id }, t('walk.show_all')),
      this.items.length < total ? h('span', { class: 'muted', 'data-testid': 'scope' }, t('walk.scope', { n: this.items.length, total })) : null);
  }

  /** Switch between the place's items and all items, staying on the same item where it is listed. */
  async showAll(all) {
    const current = this.item?.id;
    this.draft.show_all = all;
    await inspections.save(this.draft);
    const list = await checklists.walkItems(this.draft, this.checklist);
    const index = Math.max(list.findIndex((entry) => entry.id === current), 0);
    this.router.go(`/walk/${this.draftId}/${index}`, { replace: true });
  }

  renderNothingHere() {
    append(this.element,
      h('h1', { tabindex: -1 }, pick(this.checklist.title)),
      h('p', { class: 'notice', 'data-testid': 'nothing-here' }, t('walk.nothing_here')),
      this.scopeSwitch());
  }

  /** Record N/A for every item of a section offered here (the inspector confirms), then move on. */
  async sectionNotApplicable(section) {
    const members = this.items.filter((entry) => entry.section.id === section.id);
    const message = t('walk.section_na_confirm', { section: pick(section.title), n: members.length });
    if (!(await this.dialog.confirm(message, { confirmLabel: t('walk.section_na') }))) return;
    for (const entry of members) {
      Object.assign(inspections.answer(this.draft, entry.id), { result: 'na', value: null, recorded_at: now(), rejected: null });
    }
    await inspections.save(this.draft);
    const after = members[members.length - 1].index + 1;
    this.router.go(after < this.items.length ? `/walk/${this.draftId}/${after}` : `/review/${this.draftId}`);
  }

  change(patch) {
    Object.assign(this.answer, patch, { recorded_at: now(), rejected: null });
    inspections.save(this.draft);
    this.showState();
  }

  showState() {
    const verdict = checklists.verdict(this.item, this.answer);
    const problems = checklists.problems(this.item, this.answer);
    fill(this.state,
      verdict ? h('span', { class: `badge badge-${verdict}` }, t(`verdict.${verdict}`)) : t('walk.unanswered'),
      problems.map((code) => h('span', { class: 'warning', 'data-testid': 'problem' }, codeText(code))));
  }

  /** Wait until the screen's input is stored (before an update reloads the page). */
  leave() {
    this.photos?.destroy();
    return inspections.flush();
  }
}
