/** The draft's record forms on the overview: open, delete, and add one of the checklist's types. */
import { codeText, formatTime, pick, t } from '../i18n.js';
import * as inspections from '../inspections.js';
import * as forms from '../records.js';
import { append, h, uid } from './dom.js';

/** Return a filled value as words (a choice's label, a number with its unit, a local time). */
function shown(field, value) {
  if (field.type === 'choice') return pick(field.options.find((option) => option.id === value)?.label);
  if (field.type === 'number') return t('record.value_unit', { value, unit: pick(field.unit) });
  if (field.type === 'signature' && typeof value === 'object') return t(value.photo_id ? 'signature.signed_by' : 'signature.name_only', { name: value.name || pick(field.label) });
  return field.type === 'datetime' ? formatTime(value) : value;
}

/** Return the record's state: incomplete input, rules that look broken, or fine. */
export function recordState(spec, record) {
  if (Object.keys(forms.problems(spec, record)).length) return 'incomplete';
  return forms.brokenRules(spec, record).length ? 'fail' : 'pass';
}

export class RecordList {
  /** ``onChange()`` is called after a record was deleted. */
  constructor(element, { draft, checklist, router, dialog, onChange }) {
    Object.assign(this, { element, draft, checklist, router, dialog, onChange });
  }

  render() {
    const types = forms.types(this.checklist);
    if (!types.length) return;
    const records = (this.draft.records ?? []).filter((record) => forms.type(this.checklist, record.record_type));
    const selectId = uid('record-type');
    const select = h('select', { id: selectId, 'data-testid': 'record-type' },
      types.map((spec) => h('option', { value: spec.id }, pick(spec.title))));
    append(this.element,
      h('h2', {}, t('record.list_title', { n: records.length })),
      h('p', { class: 'muted' }, t('record.list_intro')),
      records.length ? h('ul', { class: 'list' }, records.map((record) => this.row(record))) : null,
      h('label', { for: selectId }, t('record.type')),
      select,
      h('button', { type: 'button', class: 'btn btn-block', 'data-testid': 'record-add', onclick: () => this.add(select.value) }, t('record.add')));
  }

  row(record) {
    const spec = forms.type(this.checklist, record.record_type);
    const state = recordState(spec, record);
    const filled = spec.fields.filter((field) => field.type !== 'boolean' && forms.values(spec, record)[field.id] !== undefined);
    const summary = filled.slice(0, 2).map((field) => shown(field, record.fields[field.id])).join(' · ');
    const title = pick(spec.title);
    return h('li', { class: 'list-item record-item', 'data-testid': 'record', dataset: { id: record.id, state } },
      h('div', {},
        h('a', { href: `#/record/${this.draft.id}/${record.id}`, class: 'record-link' }, title),
        summary ? h('div', { class: 'muted' }, summary) : null,
        record.rejected ? h('p', { class: 'error' }, t('walk.rejected', { reason: codeText(record.rejected) })) : null),
      h('div', { class: 'row' },
        h('span', { class: `badge badge-${state === 'incomplete' ? 'open' : state}` }, t(state === 'incomplete' ? 'record.incomplete' : `verdict.${state}`)),
        h('button', {
          type: 'button', class: 'btn btn-danger', 'aria-label': t('record.delete_named', { title }), onclick: () => this.remove(record, title),
        }, t('outbox.delete'))));
  }

  async add(typeId) {
    const record = forms.add(this.draft, typeId);
    await inspections.save(this.draft);
    this.router.go(`/record/${this.draft.id}/${record.id}`);
  }

  async remove(record, title) {
    const message = t('record.delete_confirm', { title });
    if (!(await this.dialog.confirm(message, { confirmLabel: t('record.delete'), danger: true }))) return;
    forms.remove(this.draft, record.id);
    await inspections.save(this.draft);
    this.onChange();
  }
}
