/** The walk: one item per screen with large controls, note, photos, guidance and source. */
import * as checklists from '../checklists.js';
import { codeText, pick, t } from '../i18n.js';
import { now } from '../ids.js';
import * as inspections from '../inspections.js';
import { append, fill, h, uid } from './dom.js';
import { AnswerControls } from './answer.js';
import { PhotoStrip } from './photo-strip.js';

export class WalkView {
  constructor(element, { params: [draftId, index], router }) {
    this.element = element;
    this.draftId = draftId;
    this.index = Number(index);
    this.router = router;
  }

  async render() {
    this.draft = await inspections.get(this.draftId);
    if (!this.draft) return this.router.go('/', { replace: true });
    this.checklist = await checklists.definition(this.draft.checklist_id, this.draft.checklist_version);
    if (!this.checklist) return this.router.go(`/start/${this.draftId}`, { replace: true });
    this.items = checklists.items(this.checklist);
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
      h('p', { class: 'section-title' }, pick(item.section.title)),
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
      h('p', { class: 'muted source' }, t('walk.source', { source: item.source })),
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
