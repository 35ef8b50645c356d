/**
 * A record form (a medical-waste handover, a disinfection log…) for the inspection's location.
 *
 * Every keystroke is saved to the draft. "Save" checks input as the server would (required
 * fields, number ranges, formats) and names what to correct; rules that look broken are only a
 * hint — the record is saved anyway, and the server judges it and opens the tasks.
 * A recorder's log (a draft marked ``log``, no inspection) goes straight to the outbox on "Save"
 * and back to the Records screen.
 */
import * as checklists from '../checklists.js';
import * as db from '../db.js';
import { codeText, pick, t } from '../i18n.js';
import { now } from '../ids.js';
import * as inspections from '../inspections.js';
import * as logbook from '../logbook.js';
import * as forms from '../records.js';
import { sourceText } from '../sources.js';
import { append, fill, h } from './dom.js';
import { locationPath } from './location-picker.js';
import { FieldControl, rangeText } from './record-field.js';

export class RecordView {
  constructor(element, { params: [draftId, recordId], router, dialog }) {
    Object.assign(this, { element, draftId, recordId, router, dialog });
    this.controls = new Map();
    this.checked = false; // messages under fields show once the user tried to save
  }

  async render() {
    this.draft = await inspections.get(this.draftId);
    if (!this.draft) return this.router.go('/', { replace: true });
    const checklist = await checklists.definition(this.draft.checklist_id, this.draft.checklist_version);
    this.record = forms.find(this.draft, this.recordId);
    this.spec = this.record && forms.type(checklist, this.record.record_type);
    this.back = this.draft.log ? '/records' : `/review/${this.draftId}`;
    if (!this.spec) return this.router.go(this.back, { replace: true });
    const locations = await db.all('locations');
    const byId = new Map(locations.map((location) => [location.id, location]));
    const location = byId.get(this.draft.location_id);
    this.summary = h('div', { role: 'alert', 'data-testid': 'record-summary' });
    this.hints = h('div', { 'aria-live': 'polite' });
    const fields = this.spec.fields.map((field) => {
      const box = h('div', { class: 'field' });
      const control = new FieldControl(box, {
        field, value: this.record.fields[field.id], owner: this.draft.id, key: `${this.record.id}.${field.id}`, onChange: (value) => this.change(field, value),
      });
      control.render();
      this.controls.set(field.id, control);
      return box;
    });
    append(this.element,
      h('p', { class: 'section-title' }, t('record.kicker')),
      h('h1', { tabindex: -1 }, pick(this.spec.title)),
      h('p', { class: 'lead', 'data-testid': 'record-location' }, location ? `${locationPath(location, byId)} (${location.code})` : t('tasks.unknown_location')),
      this.record.rejected ? h('p', { class: 'error', 'data-testid': 'record-rejected' }, t('walk.rejected', { reason: codeText(this.record.rejected) })) : null,
      this.summary,
      h('form', { class: 'record-form', novalidate: true, onsubmit: (event) => { event.preventDefault(); this.save(); } },
        h('p', { class: 'muted' }, t('record.required_note')),
        fields,
        this.hints,
        h('p', { class: 'muted source' }, t('walk.source', { source: sourceText(this.spec, checklist) })),
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'btn btn-danger', 'data-testid': 'record-delete', onclick: () => this.remove() }, t('record.delete')),
          h('a', { class: 'btn', href: `#${this.back}`, 'data-testid': 'overview-link' }, t(this.draft.log ? 'records.back' : 'walk.overview')),
          h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'record-save' }, t('record.save')))),
    );
    this.showErrors();
    this.showHints();
    return undefined;
  }

  change(field, value) {
    this.record.fields[field.id] = value;
    this.record.recorded_at = now();
    this.record.rejected = null;
    delete this.record.errors?.[`fields.${field.id}`];
    inspections.save(this.draft);
    if (!this.showErrors().length) fill(this.summary);
    this.showHints();
  }

  /** Show the input problems under their fields (and what the server refused); return them. */
  showErrors() {
    const found = this.checked ? forms.problems(this.spec, this.record) : {};
    const refused = new Set(forms.refusedFields(this.record));
    for (const field of this.spec.fields) {
      const key = found[field.id];
      let message = null;
      if (key) message = key.includes('.range_') ? rangeText(field, 'record.error') : t(key);
      else if (refused.has(field.id)) message = t('record.error.server');
      this.controls.get(field.id).showError(message);
    }
    return Object.keys(found);
  }

  showHints() {
    const broken = forms.brokenRules(this.spec, this.record);
    fill(this.hints, broken.length ? h('section', { class: 'card card-hint', 'data-testid': 'rule-hints' },
      h('h2', {}, t('record.hints_title')),
      h('p', { class: 'muted' }, t('record.hints_intro')),
      h('ul', {}, broken.map((rule) => h('li', { 'data-testid': 'rule-hint' }, pick(rule.text))))) : null);
  }

  /** Wait for the signatures' images still being stored. */
  signed() {
    return Promise.all([...this.controls.values()].map((control) => control.signature?.flush()));
  }

  async save() {
    await this.signed();
    this.checked = true;
    const invalid = this.showErrors();
    if (invalid.length) {
      const names = invalid.map((id) => pick(this.spec.fields.find((field) => field.id === id).label));
      fill(this.summary, h('p', { class: 'card card-warning error' }, t('record.fix', { fields: names.join(t('list.separator')) })));
      this.controls.get(invalid[0]).focus();
      return;
    }
    fill(this.summary);
    await inspections.save(this.draft);
    if (this.draft.log) await logbook.finish(this.draft, this.spec);
    this.router.go(this.back);
  }

  async remove() {
    const message = t('record.delete_confirm', { title: pick(this.spec.title) });
    if (!(await this.dialog.confirm(message, { confirmLabel: t('record.delete'), danger: true }))) return;
    if (this.draft.log) await inspections.discard(this.draft);
    else {
      forms.remove(this.draft, this.recordId);
      await inspections.save(this.draft);
    }
    this.router.go(this.back, { replace: true });
  }

  /** Wait until the form's input is stored (before an update reloads the page). */
  async leave() {
    await this.signed();
    return inspections.flush();
  }
}
