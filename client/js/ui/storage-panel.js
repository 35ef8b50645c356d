/** Storage on the phone: persistent or not, how much is used, and "export unsent data". */
import * as db from '../db.js';
import { formatBytes, t } from '../i18n.js';
import { fill, h } from './dom.js';

/** The words for the state of persistent storage: kept, not (yet) asked, refused, or not askable. */
function persistence(persisted, storage, refused) {
  if (persisted) return 'storage.persisted';
  if (!storage?.persist) return 'storage.unavailable';
  return refused ? 'storage.refused' : 'storage.not_persisted';
}

export class StoragePanel {
  constructor(element, { onExport }) {
    this.element = element;
    this.onExport = onExport;
  }

  async render() {
    const storage = navigator.storage;
    const persisted = (await storage?.persisted?.()) ?? false;
    const estimate = (await storage?.estimate?.()) ?? null;
    const photos = await db.all('photos');
    const photoBytes = photos.reduce((sum, photo) => sum + (photo.bytes || 0), 0);
    const status = h('p', { class: 'muted', 'aria-live': 'polite' });
    fill(this.element,
      h('h2', {}, t('storage.title')),
      h('p', { 'data-testid': 'storage-estimate' }, estimate
        ? t('storage.estimate', { used: formatBytes(estimate.usage), quota: formatBytes(estimate.quota) })
        : t('storage.unknown')),
      h('p', {}, t('storage.photos', { n: photos.length, size: formatBytes(photoBytes) })),
      h('p', { 'data-testid': 'storage-persisted' }, t(persistence(persisted, storage, this.refused))),
      persisted || !storage?.persist ? null : h('button', {
        type: 'button', class: 'btn', 'data-testid': 'persist',
        onclick: async () => { this.refused = !(await storage.persist()); this.render(); },
      }, t('storage.persist')),
      h('h3', {}, t('export.title')),
      h('p', { class: 'muted' }, t('export.intro')),
      h('button', {
        type: 'button', class: 'btn', 'data-testid': 'export',
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true; // one file per tap
          try {
            status.textContent = await this.onExport();
          } catch (error) {
            console.error(error);
            status.textContent = t('export.failed');
          } finally {
            button.disabled = false;
          }
        },
      }, t('export.button')),
      status);
  }
}
