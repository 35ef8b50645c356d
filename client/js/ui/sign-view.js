/**
 * Signatures on the same-day written feedback, given when an inspection is finished: the head of
 * the inspected department (or their representative) and the inspector sign on the phone.
 * Optional: the overview offers this screen, and "finish" there works without them. What is drawn
 * is kept in the draft at once and goes with the inspection when it is finished (docs/sync.md).
 */
import * as db from '../db.js';
import { t } from '../i18n.js';
import * as inspections from '../inspections.js';
import * as signatures from '../signatures.js';
import { append, h } from './dom.js';
import { SignatureField } from './signature-field.js';

export class SignView {
  constructor(element, { params: [draftId], router }) {
    Object.assign(this, { element, draftId, router });
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
        h('a', { class: 'btn btn-primary', href: `#/review/${draft.id}`, 'data-testid': 'sign-done' }, t('sign.done'))));
    sections.forEach(({ field }) => field.render());
    return undefined;
  }

  async leave() {
    await Promise.all(this.fields.map((field) => field.flush()));
    return inspections.flush();
  }
}
