/** The answer controls of one item, by type: pass/fail/N-A, number, count, choice or text. */
import { pick, t } from '../i18n.js';
import { append, h, uid } from './dom.js';

function segment(name, options, selected, onPick) {
  return h('div', { class: 'segments' }, options.map(([value, label, tone]) => h('label', { class: `segment segment-${tone}` },
    h('input', { type: 'radio', name, value, checked: value === selected, onchange: () => onPick(value) }),
    h('span', {}, label))));
}

function range(item) {
  const unit = pick(item.unit);
  if (item.min !== undefined && item.max !== undefined) return t('answer.range_both', { min: item.min, max: item.max, unit });
  if (item.max !== undefined) return t('answer.range_max', { max: item.max, unit });
  return t('answer.range_min', { min: item.min, unit });
}

export class AnswerControls {
  /** ``onChange(patch)`` receives ``{result?, value?}``. */
  constructor(element, { item, answer, onChange }) {
    this.element = element;
    this.item = item;
    this.answer = answer;
    this.onChange = onChange;
    this.name = uid('answer');
  }

  render() {
    const { item, answer } = this;
    const legend = h('legend', { class: 'visually-hidden' }, t('answer.legend'));
    const na = ['na', t('answer.na'), 'neutral'];
    let body;
    if (item.type === 'pass_fail') {
      body = segment(this.name, [['pass', t('answer.pass'), 'pass'], ['fail', t('answer.fail'), 'fail'], na],
        answer.result, (result) => this.onChange({ result, value: null }));
    } else if (item.type === 'choice') {
      const options = item.options.map((option) => [option.id, pick(option.label), option.result]);
      const selected = answer.result === 'na' ? 'na' : answer.value;
      body = segment(this.name, [...options, na], selected, (value) => this.onChange(
        value === 'na' ? { result: 'na', value: null } : { result: null, value }));
    } else if (item.type === 'text') {
      const id = uid('text');
      body = [h('label', { for: id }, t('answer.text')),
        h('textarea', { id, rows: 4, value: answer.value ?? '', 'data-testid': 'answer-text', oninput: (event) => this.onChange({ result: null, value: event.target.value }) })];
    } else {
      body = this.numberInput();
    }
    append(this.element, h('fieldset', { class: 'answer' }, legend, body));
  }

  numberInput() {
    const { item, answer } = this;
    const id = uid('number');
    const count = item.type === 'count_missing';
    const label = count ? t('answer.count', { period: pick(item.period), unit: pick(item.unit) }) : t('answer.number', { unit: pick(item.unit) });
    const input = h('input', {
      id, type: 'number', inputmode: count ? 'numeric' : 'decimal', step: count ? 1 : 'any', min: count ? 0 : null,
      value: answer.value ?? '', disabled: answer.result === 'na', 'data-testid': 'answer-number',
      oninput: () => this.onChange({ result: null, value: input.value === '' ? null : Number(input.value) }),
    });
    const hint = count ? t('answer.count_max', { max: item.max, unit: pick(item.unit) }) : range(item);
    const naId = uid('na');
    return [
      h('label', { for: id }, label), input, h('p', { class: 'muted' }, hint),
      h('div', { class: 'check' },
        h('input', {
          id: naId, type: 'checkbox', checked: answer.result === 'na',
          onchange: (event) => {
            input.disabled = event.target.checked;
            this.onChange(event.target.checked ? { result: 'na', value: null } : { result: null, value: input.value === '' ? null : Number(input.value) });
          },
        }),
        h('label', { for: naId }, t('answer.na'))),
    ];
  }
}
