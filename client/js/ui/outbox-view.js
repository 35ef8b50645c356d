/** What waits for the server, record by record, with rejected records' reasons and remedies. */
import * as checklists from '../checklists.js';
import * as db from '../db.js';
import { unsentData, fileName } from '../export.js';
import { codeText, formatBytes, formatTime, pick, t } from '../i18n.js';
import * as outbox from '../outbox.js';
import * as forms from '../records.js';
import { reopen } from '../reopen.js';
import { append, fill, h } from './dom.js';
import { locationPath } from './location-picker.js';
import { saveFile } from './save-file.js';
import { connectionState } from './statusbar.js';
import { StoragePanel } from './storage-panel.js';

export class OutboxView {
  constructor(element, { router, dialog, sync }) {
    Object.assign(this, { element, router, dialog, sync });
    this.onChange = () => this.show();
  }

  /** Listen to the outbox and to the connection (a row waiting on a dead link says so). */
  listen(on) {
    const method = on ? 'addEventListener' : 'removeEventListener';
    outbox.events[method]('change', this.onChange);
    this.sync[method]('reachability', this.onChange);
    globalThis[method]('online', this.onChange);
    globalThis[method]('offline', this.onChange);
  }

  async render() {
    const locations = await db.all('locations');
    this.byId = new Map(locations.map((location) => [location.id, location]));
    this.list = h('div', { class: 'stack', 'data-testid': 'outbox' });
    const storage = h('section', { class: 'card' });
    append(this.element, 
      h('h1', { tabindex: -1 }, t('outbox.title')),
      h('p', { class: 'muted' }, t('outbox.intro')),
      this.list,
      storage,
    );
    new StoragePanel(storage, { onExport: () => this.export() }).render();
    this.listen(true);
    await this.show();
  }

  async show() {
    const records = await outbox.list();
    const groups = new Map();
    for (const record of records) {
      if (!groups.has(record.group)) groups.set(record.group, []);
      groups.get(record.group).push(record);
    }
    const sections = [];
    for (const [groupId, group] of groups) sections.push(await this.groupCard(groupId, group));
    fill(this.list, sections.length ? sections : h('p', { class: 'notice', 'data-testid': 'outbox-empty' }, t('outbox.empty')));
  }

  async groupCard(groupId, records) {
    const { context } = records[0];
    const checklist = await checklists.definition(context.checklist_id, context.checklist_version);
    const items = new Map(checklist ? checklists.items(checklist).map((item) => [item.id, item]) : []);
    const location = this.byId.get(context.location_id);
    const rejected = records.some((record) => record.state === 'rejected');
    return h('section', { class: `card ${rejected ? 'card-warning' : ''}`, 'data-testid': 'outbox-group', dataset: { group: groupId } },
      h('h2', {}, checklist ? pick(checklist.title) : context.checklist_id),
      h('p', { class: 'muted' }, location ? locationPath(location, this.byId) : '', ' · ', formatTime(context.started_at)),
      h('ul', { class: 'list' }, records.map((record) => this.row(record, items, checklist))),
      rejected ? h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn btn-danger', 'data-testid': 'delete-group', onclick: () => this.remove(groupId, records) }, t('outbox.delete')),
        h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'reopen', onclick: () => this.reopen(groupId) }, t('outbox.reopen'))) : null);
  }

  label(record, items, spec) {
    if (record.kind === 'inspection') return t('outbox.kind.inspection');
    if (record.kind === 'record') return t('outbox.kind.record', { title: spec ? pick(spec.title) : record.body.record_type });
    const item = items.get(record.body.item_id);
    return t('outbox.kind.finding', { n: (item?.index ?? 0) + 1, text: item ? pick(item.text) : record.body.item_id });
  }

  row(record, items, checklist) {
    const spec = record.kind === 'record' ? forms.type(checklist, record.body.record_type) : null;
    const label = this.label(record, items, spec);
    const waitingPhotos = record.state === 'sending' && record.awaiting.length;
    const images = record.kind === 'finding' ? 'photos' : 'signatures'; // an inspection's or a form's images are signatures
    // While no request gets through, a row that was sent says why instead of "sending" for ever.
    const connection = connectionState(this.sync);
    const stalled = record.state === 'sending' && connection !== 'online';
    const state = stalled ? t(`outbox.state.${connection}`)
      : waitingPhotos ? t(`outbox.state.${images}`, { n: record.awaiting.length }) : t(`outbox.state.${record.state}`);
    // A record form's refused fields are named by their labels ("fields.weight_kg" → "Weight").
    const labels = new Map((spec?.fields ?? []).map((field) => [`fields.${field.id}`, pick(field.label)]));
    const fields = Object.keys(record.errors || {}).map((key) => labels.get(key) ?? key);
    return h('li', { class: 'list-item', 'data-testid': 'outbox-record', dataset: { state: record.state, id: record.id } },
      h('div', {},
        h('div', {}, label),
        record.photos.length ? h('div', { class: 'muted' }, t(`outbox.${images}`, { n: record.photos.length })) : null,
        record.state === 'rejected' ? h('p', { class: 'error', 'data-testid': 'reason' }, codeText(record.code)) : null,
        record.state === 'rejected' && fields.length ? h('p', { class: 'muted' }, t('outbox.fields', { fields: fields.join(t('list.separator')) })) : null),
      h('span', { class: `badge badge-state-${stalled ? 'stalled' : record.state}`, 'data-testid': 'record-state' }, state));
  }

  async reopen(groupId) {
    const draft = await reopen(groupId);
    if (draft) this.router.go(`/start/${draft.id}`);
  }

  async remove(groupId, records) {
    const photos = records.reduce((sum, record) => sum + record.photos.length, 0);
    const message = t('outbox.delete_confirm', { n: records.length, photos });
    if (!(await this.dialog.confirm(message, { confirmLabel: t('outbox.delete'), danger: true }))) return;
    await outbox.discardGroup(groupId);
  }

  /** Save every unsent record and photo as one file; the outbox keeps them all. */
  async export() {
    const blob = await unsentData();
    const outcome = await saveFile(blob, fileName());
    return outcome === 'cancelled' ? t('export.cancelled') : t(`export.${outcome}`, { size: formatBytes(blob.size) });
  }

  leave() {
    this.listen(false);
  }
}
