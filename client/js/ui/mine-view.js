/**
 * My inspections: the user's inspections, newest first, each opening its written
 * feedback (the same-day report) once the server has it; those still on the device say so.
 */
import * as checklists from '../checklists.js';
import * as db from '../db.js';
import { codeText, formatTime, pick, t } from '../i18n.js';
import * as mine from '../my-inspections.js';
import { fill, h } from './dom.js';
import { locationPath } from './location-picker.js';

export class MineView {
  constructor(element) {
    this.element = element;
  }

  async render() {
    const [catalog, locations] = await Promise.all([checklists.available(), db.all('locations')]);
    this.titles = new Map(catalog.map((summary) => [summary.id, summary.title]));
    this.places = new Map(locations.map((location) => [location.id, location]));
    this.status = h('p', { class: 'muted', role: 'status', 'data-testid': 'mine-status' }, t('reports.loading'));
    this.list = h('ul', { class: 'list', 'data-testid': 'mine' });
    fill(this.element,
      h('h1', { tabindex: -1 }, t('mine.title')),
      h('p', { class: 'muted' }, t('mine.intro')),
      this.status, this.list);
    try {
      const { inspections, offline } = await mine.mine();
      this.status.textContent = offline ? t('mine.offline') : '';
      fill(this.list, inspections.length ? inspections.map((entry) => this.row(entry)) : h('li', { class: 'notice' }, t('mine.empty')));
    } catch (error) {
      this.status.textContent = codeText(error.code);
    }
  }

  row(entry) {
    const place = this.places.get(entry.location_id);
    const lines = [
      h('strong', {}, pick(this.titles.get(entry.checklist_id)) || entry.checklist_id),
      h('div', { class: 'muted' }, place ? locationPath(place, this.places) : ''),
      h('div', { class: 'muted' }, `${t(`kind.${entry.kind}`)} · ${formatTime(entry.started_at)}`),
      h('div', { class: entry.failed ? 'mine-failed' : 'muted' }, entry.failed ? t('mine.failed', { n: entry.failed }) : t('mine.none_failed')),
    ];
    if (entry.waiting) lines.push(h('div', { class: 'muted', 'data-testid': 'mine-waiting' }, t(entry.sent ? 'mine.partly_waiting' : 'mine.waiting')));
    const body = h('div', {}, ...lines);
    return h('li', { class: 'list-item', 'data-testid': 'mine-item', dataset: { id: entry.id } },
      entry.sent ? h('a', { class: 'mine-link', href: `#/inspection/${entry.id}`, 'data-testid': 'mine-open' }, body, h('span', { class: 'btn btn-small' }, t('mine.open'))) : body);
  }
}
