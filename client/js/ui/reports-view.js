/**
 * The weekly report on screen: choose a week, read the department ranking and the printable
 * page (figures, charts, the problem list), open it to print, download the problem list for
 * Excel, or open a month's department report to print.
 */
import * as api from '../api.js';
import * as db from '../db.js';
import { codeText, t } from '../i18n.js';
import * as reports from '../reports.js';
import { append, BlobUrls, h, uid } from './dom.js';
import { locationPath } from './location-picker.js';
import { RankingCard } from './ranking-card.js';
import { ReportFrame } from './report-frame.js';

const WEEKS = 12;
const MONTHS = 12;

export class ReportsView {
  constructor(element) {
    this.element = element;
    this.urls = new BlobUrls();
  }

  async render() {
    const weekId = uid('week');
    this.week = h('select', { id: weekId, onchange: () => this.show() },
      reports.recentWeeks(WEEKS).map((week, index) => h('option', { value: week },
        index === 0 ? t('reports.this_week', { week }) : week)));
    this.status = h('p', { class: 'muted', role: 'status', 'data-testid': 'report-status' });
    this.ranking = new RankingCard();
    this.frame = new ReportFrame({ title: t('reports.frame'), 'data-testid': 'report-frame' });
    append(this.element,
      h('h1', { tabindex: -1 }, t('reports.title')),
      h('p', { class: 'muted' }, t('reports.intro')),
      h('div', { class: 'card stack' },
        h('label', { for: weekId }, t('reports.week')), this.week,
        h('div', { class: 'row wrap' },
          h('button', { type: 'button', class: 'btn', onclick: () => this.print() }, t('reports.print')),
          h('button', { type: 'button', class: 'btn', 'data-testid': 'download-xlsx', onclick: () => this.download('xlsx') }, t('reports.xlsx')),
          h('button', { type: 'button', class: 'btn', onclick: () => this.download('csv') }, t('reports.csv')))),
      this.status,
      this.ranking.element,
      this.frame.element,
      this.monthlyCard(),
      await this.labelsCard());
    await this.show();
  }

  /** The monthly department report: the ranking of a month and its worst problems, opened to print. */
  monthlyCard() {
    const monthId = uid('month');
    const month = h('select', { id: monthId },
      reports.recentMonths(MONTHS).map((value, index) => h('option', { value },
        index === 0 ? t('reports.this_month', { month: value }) : value)));
    const status = h('p', { class: 'muted', role: 'status' });
    const open = async () => {
      status.textContent = t('reports.loading');
      try {
        window.open(this.urls.make(await reports.monthlyPage(month.value)), '_blank', 'noopener');
        status.textContent = '';
      } catch (error) {
        status.textContent = this.explain(error);
      }
    };
    return h('section', { class: 'card stack', 'data-testid': 'monthly' },
      h('h2', {}, t('reports.monthly_title')),
      h('p', { class: 'muted' }, t('reports.monthly_intro')),
      h('label', { for: monthId }, t('reports.month')), month,
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn', onclick: open }, t('reports.monthly_open'))),
      status);
  }

  /** Printable QR labels of a building, a floor… (places inside places), to stick at the doors. */
  async labelsCard() {
    const locations = await db.all('locations');
    const byId = new Map(locations.map((location) => [location.id, location]));
    const parents = new Set(locations.map((location) => location.parent_id));
    const rootId = uid('labels-root');
    const root = h('select', { id: rootId },
      h('option', { value: '' }, t('labels.all')),
      locations.filter((location) => parents.has(location.id))
        .map((location) => [locationPath(location, byId), location])
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([path, location]) => h('option', { value: location.id }, `${path} (${location.code})`)));
    const status = h('p', { class: 'muted', role: 'status' });
    const open = async () => {
      status.textContent = t('reports.loading');
      try {
        window.open(this.urls.make(await reports.labels(root.value)), '_blank', 'noopener');
        status.textContent = '';
      } catch (error) {
        status.textContent = this.explain(error);
      }
    };
    return h('section', { class: 'card stack', 'data-testid': 'labels' },
      h('h2', {}, t('labels.title')),
      h('p', { class: 'muted' }, t('labels.intro')),
      h('label', { for: rootId }, t('labels.root')), root,
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn', onclick: open }, t('labels.open'))),
      status);
  }

  async show() {
    this.status.textContent = t('reports.loading');
    try {
      const [html, rollups] = await Promise.all([
        reports.page(this.week.value), reports.weekly(this.week.value)]);
      this.html = html;
      this.frame.show(html);
      this.ranking.show(rollups);
      this.status.textContent = '';
    } catch (error) {
      this.html = null;
      this.frame.show('');
      this.ranking.clear();
      this.status.textContent = this.explain(error);
    }
  }

  /** Open the page on its own, where the browser's print (or save as PDF) works. */
  print() {
    if (!this.html) return;
    window.open(this.urls.make(new Blob([this.html], { type: 'text/html' })), '_blank', 'noopener');
  }

  async download(extension) {
    this.status.textContent = t('reports.loading');
    try {
      const { blob, filename } = await reports.problemList(this.week.value, extension);
      const link = h('a', { href: this.urls.make(blob), download: filename, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      this.status.textContent = t('reports.downloaded', { name: filename });
    } catch (error) {
      this.status.textContent = this.explain(error);
    }
  }

  explain(error) {
    return error instanceof api.NetworkError ? t('reports.offline') : codeText(error.code);
  }

  leave() {
    this.frame.leave();
    this.urls.revokeAll();
  }
}
