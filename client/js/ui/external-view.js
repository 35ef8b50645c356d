/**
 * Record an outside problem: a supervisor enters what a city notice, a third-party
 * assessment or an unannounced visit found — the place, what is wrong, how serious, the notice's
 * reference number, photos — and may apply it to every place of the same use (applied alike, ju yi fan san).
 * Sent online (external.js); offline the form stays, says so, and keeps what was typed.
 */
import * as db from '../db.js';
import * as external from '../external.js';
import { t } from '../i18n.js';
import { uuid } from '../ids.js';
import { actionForm, FieldError } from './action-form.js';
import { append, h, uid } from './dom.js';
import { LocationPicker } from './location-picker.js';
import { PhotoPicker } from './photo-picker.js';

const SEVERITIES = ['minor', 'major', 'critical'];

export class ExternalView {
  constructor(element, { router, sync }) {
    this.element = element;
    this.router = router;
    this.sync = sync;
    this.id = uuid(); // made once: resending after a lost answer records the problem once
    this.location = null;
    this.photos = new PhotoPicker();
  }

  async render() {
    const locations = await db.all('locations');
    const picker = h('div', { class: 'stack', 'data-testid': 'external-location' });
    new LocationPicker(picker, { locations, onChange: (location) => this.choose(location, locations) }).render();
    const field = (label, control) => {
      const id = uid('external');
      control.id = id;
      return h('div', { class: 'field' }, h('label', { for: id }, label), control);
    };
    const sameUse = h('input', {
      type: 'checkbox', name: 'same_use', id: uid('external-same-use'), disabled: true, 'data-testid': 'external-same-use',
    });
    this.sameUse = sameUse;
    this.alike = h('p', { class: 'muted', 'aria-live': 'polite', 'data-testid': 'external-alike' }, t('external.same_use_hint'));
    const form = actionForm({
      title: t('external.title'),
      testid: 'external-form',
      fields: [
        h('p', { class: 'muted' }, t('external.hint')),
        h('fieldset', { class: 'stack' }, h('legend', {}, t('external.location')), picker),
        field(t('external.description'), h('textarea', { name: 'description', rows: 3, maxlength: 2000, required: true })),
        field(t('external.severity'), h('select', { name: 'severity' },
          SEVERITIES.map((name) => h('option', { value: name, selected: name === 'major' }, t(`severity.${name}`))))),
        field(t('external.source_ref'), h('input', {
          name: 'source_ref', maxlength: 200, required: true, placeholder: t('external.source_ref_placeholder'),
        })),
        h('div', { class: 'check' }, sameUse, h('label', { for: sameUse.id }, t('external.same_use'))),
        this.alike,
        this.photos.element,
      ],
      buttons: [h('button', { type: 'submit', class: 'btn btn-primary' }, t('external.send'))],
      send: (data, _button, progress) => this.send(data, progress),
      onStale: () => {},
    });
    append(this.element, h('p', {}, h('a', { href: '#/tasks' }, t('task.back'))),
      h('h1', { tabindex: -1 }, t('external.title')),
      navigator.onLine ? null : h('p', { class: 'notice', role: 'status', 'data-testid': 'external-offline' }, t('external.offline')),
      form);
  }

  /** Take the chosen place; say how many other places of its use applying it alike would reach. */
  choose(location, locations) {
    this.location = location;
    const alike = locations.filter((other) => other.use && other.use === location.use
      && other.hospital_id === location.hospital_id && other.id !== location.id);
    this.sameUse.disabled = !alike.length;
    if (!alike.length) this.sameUse.checked = false;
    this.alike.textContent = location.use
      ? t('external.same_use_count', { n: alike.length })
      : t('external.no_use');
  }

  async send(data, progress) {
    if (!this.location) throw new FieldError('location_id', t('external.location_needed'));
    const task = await external.report({
      id: this.id,
      locationId: this.location.id,
      description: data.get('description').trim(),
      severity: data.get('severity'),
      sourceRef: data.get('source_ref').trim(),
      sameUse: data.get('same_use') === 'on',
      photos: this.photos.photos,
    }, progress);
    this.sync.now(); // the copies made alike come with the pull
    this.router.go(`/task/${task.id}`);
  }

  leave() {
    this.photos.destroy();
  }
}
