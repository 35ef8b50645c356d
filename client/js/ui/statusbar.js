/** The always-visible state: online or not, what waits, the last sync, progress, "Sync now". */
import * as db from '../db.js';
import { codeText, formatTime, t } from '../i18n.js';
import * as outbox from '../outbox.js';
import { fill, h } from './dom.js';

export class StatusBar {
  constructor(element, sync) {
    this.element = element;
    this.sync = sync;
    this.activity = '';
    this.counts = { waiting: 0, rejected: 0, inspections: 0, items: 0 };
    addEventListener('online', () => this.render());
    addEventListener('offline', () => this.render());
    outbox.events.addEventListener('change', () => this.refresh());
    sync.addEventListener('state', ({ detail }) => {
      const photos = detail.photos;
      if (detail.state === 'idle') this.activity = /^(retry|error)/.test(this.activity) ? this.activity : '';
      else this.activity = photos ? `photos:${photos.done}/${photos.total}` : 'syncing';
      this.refresh();
    });
    sync.addEventListener('synced', () => { this.activity = ''; this.refresh(); });
    sync.addEventListener('reachability', () => this.render());
    sync.addEventListener('retry', ({ detail }) => { this.activity = `retry:${Math.ceil(detail.delay / 1000)}`; this.render(); });
    sync.addEventListener('error', ({ detail }) => { this.activity = `error:${detail.code}`; this.render(); });
  }

  async refresh() {
    this.counts = await outbox.counts();
    this.lastSync = await db.meta.get('lastSync');
    this.render();
  }

  activityText() {
    const [kind, value] = this.activity.split(/:(.*)/);
    if (kind === 'syncing') return t('status.syncing');
    if (kind === 'photos') {
      const [done, total] = value.split('/');
      return t('status.photos', { done, total });
    }
    if (kind === 'retry') return t('status.retry', { seconds: value });
    if (kind === 'error') return codeText(value);
    return '';
  }

  render() {
    const online = navigator.onLine;
    const connection = connectionState(this.sync);
    const { waiting, rejected, inspections, items } = this.counts;
    const activity = this.activityText();
    fill(
      this.element,
      h('span', { class: `pill pill-${connection}`, 'data-testid': 'network', dataset: { state: connection } }, t(`status.${connection}`)),
      h('a', { href: '#/outbox', class: 'waiting', 'data-testid': 'waiting', dataset: { count: waiting, inspections } },
        waiting || rejected ? t(inspections === 1 ? 'status.waiting_one' : 'status.waiting', { inspections, items }) : t('status.all_synced')),
      rejected ? h('a', { href: '#/outbox', class: 'pill pill-danger', 'data-testid': 'rejected' }, t('status.rejected', { n: rejected })) : null,
      h('span', { class: 'last-sync', 'data-testid': 'last-sync', dataset: { at: this.lastSync ?? '' } },
        this.lastSync ? t('status.last_sync', { time: formatTime(this.lastSync) }) : t('status.never_synced')),
      activity ? h('span', { class: 'activity', 'data-testid': 'activity' }, activity) : null,
      h('button', {
        type: 'button',
        class: 'btn btn-small',
        'data-testid': 'sync-now',
        disabled: !online,
        onclick: () => this.sync.now(),
      }, t('action.sync_now')),
    );
  }
}

/** Return 'offline' (no network), 'unreachable' (network, but the server does not answer) or 'online'. */
export function connectionState(sync) {
  if (!navigator.onLine) return 'offline';
  return sync.reachable ? 'online' : 'unreachable';
}
