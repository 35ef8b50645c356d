/**
 * Signatures on the same-day written feedback, given when an inspection is finished: the head of
 * the inspected department (or their representative) and the inspector sign on the phone.
 * Optional: the review's "finish" works without them. What is drawn is kept in the draft at once
 * and goes with the inspection when it is finished (docs/sync.md, "Signatures").
 */
import * as checklists from '../checklists.js';
import * as db from '../db.js';
import { t } from '../i18n.js';
import * as inspections from '../inspections.js';
import * as signatures from '../signatures.js';
import { append, h } from './dom.js';
import { SignatureField } from './signature-field.js';

export class SignView {
  constructor(element, { params: [draftId], router, dialog, sync }) {
    Object.assign(this, { element, draftId, router, dialog, sync });
    this.fields = [];
  }

  async render() {
    const draft = await inspections.get(this.draftId);
    // A reopened draft's inspection is stored already: it can take no signatures any more.
    if (!draft || draft.inspection_synced) return this.router.go(draft ? `/review/${this.draftId}` : '/', { replace: true });
    this.draft = draft;
    const user = await db.meta.get('user');
    draft.signatures ??= {};
    draft.signatures.inspector ??= { name: user?.display_name ?? '' };
    const sections = signatures.ROLES.map((role) => {
      const box = h('div', {});
      const field = new SignatureField(box, {
        label: t(`signature.role.${role}`), value: draft.signatures[role], owner: draft.id, key: `signature.${role}`,
        onChange: (value) => { draft.signatures[role] = value; inspections.save(draft); },
      });
      this.fields.push(field);
      return { box, field, section: h('section', { class: 'card', 'data-testid': `sign-${role}` }, h('h2', {}, t(`signature.role.${role}`)), box) };
    });
    append(this.element,
      h('h1', { tabindex: -1 }, t('sign.title')),
      h('p', { class: 'muted' }, t('sign.intro')),
      sections.map(({ section }) => section),
      h('div', { class: 'actions' },
        h('a', { class: 'btn', href: `#/review/${draft.id}`, 'data-testid': 'overview-link' }, t('walk.overview')),
        h('button', { type: 'button', class: 'btn', 'data-testid': 'sign-skip', onclick: (event) => this.finish(event.target, false) }, t('sign.skip')),
        h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'sign-finish', onclick: (event) => this.finish(event.target, true) }, t('review.finish'))));
    sections.forEach(({ field }) => field.render());
    return undefined;
  }

  /** Finish the inspection with the drawn signatures, or (skip) without any. */
  async finish(button, signed) {
    await this.leave();
    if (!signed && signatures.ofInspection(this.draft).length
      && !(await this.dialog.confirm(t('sign.skip_confirm'), { confirmLabel: t('sign.skip') }))) return;
    button.disabled = true;
    if (!signed) this.draft.signatures = {}; // their images go with the draft's other orphans
    const checklist = await checklists.definition(this.draft.checklist_id, this.draft.checklist_version);
    await inspections.finish(this.draft, checklist);
    this.sync.run();
    this.router.go('/outbox');
  }

  async leave() {
    await Promise.all(this.fields.map((field) => field.flush()));
    return inspections.flush();
  }
}
