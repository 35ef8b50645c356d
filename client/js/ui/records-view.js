/**
 * The Records screen: a recorder's places, the logs each expects today (done / missing), and a
 * button to fill one in. Works offline: counts come from the outbox and the logs last fetched.
 */
import * as db from '../db.js';
import { pick, t } from '../i18n.js';
import * as logbook from '../logbook.js';
import { append, fill, h } from './dom.js';
import { locationPath } from './location-picker.js';

export class RecordsView {
  constructor(element, { router, sync }) {
    Object.assign(this, { element, router, sync });
    this.list = h('div', { 'data-testid': 'records-places' });
    this.onSynced = () => this.refresh();
  }

  async render() {
    append(this.element,
      h('h1', { tabindex: -1 }, t('records.title')),
      h('p', { class: 'muted' }, t('records.intro')),
      this.list);
    this.sync.addEventListener('synced', this.onSynced);
    await this.show();
    this.refresh();
  }

  /** Fetch today's confirmed logs when online, then show the counts again. */
  async refresh() {
    try {
      await logbook.refresh();
    } catch (error) {
      console.error(error);
    }
    if (this.element.isConnected) await this.show();
  }

  async show() {
    const [locations, all, counts] = await Promise.all([db.all('locations'), logbook.allForms(), logbook.todayCounts()]);
    const byId = new Map(locations.map((location) => [location.id, location]));
    const places = locations
      .map((place) => ({ place, kept: logbook.formsAt(all, place.use) }))
      .filter(({ kept }) => kept.length)
      .sort((a, b) => a.place.code.localeCompare(b.place.code));
    if (!places.length) {
      fill(this.list, h('p', { class: 'notice', role: 'status', 'data-testid': 'records-empty' }, t(all.length ? 'records.none' : 'home.loading')));
      return;
    }
    fill(this.list, places.map(({ place, kept }) => h('section', { class: 'card', 'data-testid': 'records-place', dataset: { code: place.code } },
      h('h2', {}, `${locationPath(place, byId)} (${place.code})`),
      h('ul', { class: 'plain' }, kept.map((form) => this.row(place, form, counts.get(`${place.id}/${form.spec.id}`) ?? 0))))));
  }

  row(place, { summary, spec }, count) {
    const wanted = spec.expected?.count ?? 0;
    const done = count >= wanted;
    const status = wanted
      ? t(done ? 'records.done' : 'records.missing', { count, wanted })
      : t('records.kept', { count });
    return h('li', { class: 'record-row', 'data-testid': 'records-form', dataset: { form: spec.id, status: done ? 'done' : 'missing' } },
      h('span', {}, pick(spec.title)),
      h('span', { class: done ? 'badge badge-pass' : 'badge badge-fail', 'data-testid': 'records-status' }, status),
      h('button', { type: 'button', class: 'btn', 'data-testid': 'records-fill', onclick: () => this.fillIn(summary, spec, place) }, t('records.fill')));
  }

  async fillIn(summary, spec, place) {
    const { draftId, recordId } = await logbook.start(summary, spec, place.id);
    this.router.go(`/record/${draftId}/${recordId}`);
  }

  leave() {
    this.sync.removeEventListener('synced', this.onSynced);
  }
}
