/** One field of a record form, by type: its label (unit, required mark), input, hint and error. */
import { pick, t } from '../i18n.js';
import { localInput, offsetIso } from '../records.js';
import { append, fill, h, uid } from './dom.js';
import { SignatureField } from './signature-field.js';

/** The value of a date, time or number input: null when empty, NaN when the browser cannot read it. */
function read(input, convert = (text) => text) {
  if (input.value === '') return input.validity.badInput ? Number.NaN : null;
  return convert(input.value);
}

/** Return the words for a number field's input range (``prefix``: hint or error). */
export function rangeText(field, prefix) {
  const unit = pick(field.unit);
  if (field.min !== undefined && field.max !== undefined) return t(`${prefix}.range_both`, { min: field.min, max: field.max, unit });
  if (field.min !== undefined) return t(`${prefix}.range_min`, { min: field.min, unit });
  return field.max !== undefined ? t(`${prefix}.range_max`, { max: field.max, unit }) : null;
}

export class FieldControl {
  /** ``onChange(value)`` receives the value as stored in the draft; ``owner``/``key``: a signature's image. */
  constructor(element, { field, value, owner, key, onChange }) {
    Object.assign(this, { element, field, value, owner, key, onChange });
    this.id = uid(`field-${field.id}`);
  }

  render() {
    const { field } = this;
    if (field.type === 'signature') return this.renderSignature();
    this.input = this.control();
    this.error = h('p', { class: 'error', id: `${this.id}-error`, 'data-testid': 'field-error' });
    const hint = this.hint();
    const hintId = hint ? `${this.id}-hint` : null;
    this.input.setAttribute('aria-describedby', [hintId, this.error.id].filter(Boolean).join(' '));
    this.input.required = Boolean(field.required);
    Object.assign(this.element.dataset, { field: field.id, testid: 'record-field' });
    const label = h('label', { for: this.id }, this.labelText(),
      field.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null);
    if (field.type === 'boolean') {
      append(this.element, h('div', { class: 'check' }, this.input, label), this.error);
    } else {
      append(this.element, label, this.input, hint ? h('p', { class: 'muted', id: hintId }, hint) : null, this.error);
    }
  }

  /** A signature: the field's label names the printed-name input; the pad follows it. */
  renderSignature() {
    const box = h('div', {});
    this.signature = new SignatureField(box, {
      label: pick(this.field.label), value: this.value, owner: this.owner, key: this.key, nameId: this.id, labelled: true, onChange: this.onChange,
    });
    this.error = h('p', { class: 'error', id: `${this.id}-error`, 'data-testid': 'field-error' });
    Object.assign(this.element.dataset, { field: this.field.id, testid: 'record-field' });
    append(this.element, h('label', { for: this.id }, this.labelText(),
      this.field.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null), box, this.error);
    this.signature.render();
    this.input = this.signature.nameInput;
    this.input.setAttribute('aria-describedby', this.error.id);
  }

  labelText() {
    const { field } = this;
    return field.unit ? t('record.with_unit', { label: pick(field.label), unit: pick(field.unit) }) : pick(field.label);
  }

  hint() {
    return this.field.type === 'number' ? rangeText(this.field, 'record') : null;
  }

  control() {
    const { field, value, id } = this;
    const changed = (next) => this.onChange(next);
    switch (field.type) {
      case 'number': {
        const input = h('input', {
          id, type: 'number', inputmode: 'decimal', step: 'any', min: field.min, max: field.max,
          value: Number.isFinite(value) ? String(value) : '', oninput: () => changed(read(input, Number)),
        });
        return input;
      }
      case 'datetime': {
        const input = h('input', { id, type: 'datetime-local', value: localInput(value), oninput: () => changed(read(input, offsetIso)) });
        return input;
      }
      case 'date': {
        const input = h('input', { id, type: 'date', value: typeof value === 'string' ? value : '', oninput: () => changed(read(input)) });
        return input;
      }
      case 'choice':
        return h('select', { id, onchange: (event) => changed(event.target.value || null) },
          h('option', { value: '' }, t('record.choose')),
          field.options.map((option) => h('option', { value: option.id, selected: option.id === value }, pick(option.label))));
      case 'boolean':
        return h('input', { id, type: 'checkbox', checked: value === true, onchange: (event) => changed(event.target.checked) });
      default: // text
        return h('input', { id, type: 'text', value: value ?? '', autocomplete: 'off', oninput: (event) => changed(event.target.value) });
    }
  }

  /** Show (or clear, with null) the message under the field. */
  showError(message) {
    fill(this.error, message ?? '');
    if (message) this.input.setAttribute('aria-invalid', 'true');
    else this.input.removeAttribute('aria-invalid');
  }

  focus() {
    this.input.focus();
  }
}
