/** Home: resume a draft, or choose a checklist, an inspection kind and a location to start. */
import * as checklists from '../checklists.js';
import * as db from '../db.js';
import { formatTime, pick, t } from '../i18n.js';
import * as inspections from '../inspections.js';
import { append, h, uid } from './dom.js';
import { LocationPicker, locationPath } from './location-picker.js';

const KINDS = ['supervision', 'self', 'mutual', 'unannounced'];

export class HomeView {
  constructor(element, { router, dialog, sync }) {
    Object.assign(this, { element, router, dialog, sync });
  }

  async render() {
    const [catalog, locations, drafts, last] = await Promise.all([
      checklists.available(), db.all('locations'), inspections.list(), db.meta.get('lastChoice'),
    ]);
    this.byId = new Map(locations.map((location) => [location.id, location]));
    this.titles = new Map(catalog.map((summary) => [summary.id, summary.title]));
    this.choice = { checklist: catalog.find((s) => s.id === last?.checklist) ?? null, kind: last?.kind ?? KINDS[0], location: null };
    append(this.element, h('h1', { tabindex: -1 }, t('home.title')),
      h('p', {}, h('a', { class: 'btn', href: '#/mine', 'data-testid': 'my-inspections' }, t('mine.link'))),
      // Older iPhone Safari, WeChat and other web views: nothing to ask, so say it plainly.
      navigator.storage?.persist ? null : h('p', { class: 'notice', 'data-testid': 'storage-warning' }, t('storage.unavailable_home')));
    if (drafts.length) append(this.element, this.draftList(drafts));
    if (!catalog.length || !locations.length) {
      append(this.element, h('p', { class: 'notice', role: 'status', 'data-testid': 'loading' }, t('home.loading')));
      this.sync.addEventListener('synced', () => {
        if (document.body.dataset.view === 'home') this.router.resolve();
      }, { once: true });
      return;
    }
    const pickerBox = h('section', { class: 'card', 'aria-labelledby': 'home-location' }, h('h2', { id: 'home-location' }, t('home.location')));
    this.start = h('button', { type: 'button', class: 'btn btn-primary btn-block', 'data-testid': 'start', onclick: () => this.begin() }, t('home.start'));
    append(this.element, this.checklistChoice(catalog), this.kindChoice(), pickerBox, this.start);
    new LocationPicker(pickerBox, { locations, onChange: (location) => { this.choice.location = location; this.update(); } }).render();
    this.update();
  }

  draftList(drafts) {
    return h('section', { class: 'card', 'aria-labelledby': 'home-drafts' },
      h('h2', { id: 'home-drafts' }, t('home.drafts')),
      h('ul', { class: 'list' }, drafts.map((draft) => h('li', { class: 'list-item', 'data-testid': 'draft' },
        h('div', {},
          h('strong', {}, pick(this.titles.get(draft.checklist_id)) || draft.checklist_id),
          h('div', { class: 'muted' }, this.byId.has(draft.location_id) ? locationPath(this.byId.get(draft.location_id), this.byId) : ''),
          h('div', { class: 'muted' }, t('home.draft_meta', { n: Object.keys(draft.answers).length, time: formatTime(draft.updated_at) }))),
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'btn', onclick: () => this.discard(draft) }, t('action.discard')),
          h('a', { class: 'btn btn-primary', href: `#/walk/${draft.id}/${draft.position}` }, t('action.resume')))))));
  }

  checklistChoice(catalog) {
    return h('fieldset', { class: 'card choices' },
      h('legend', {}, t('home.checklist')),
      catalog.map((summary) => h('label', { class: 'choice' },
        h('input', {
          type: 'radio', name: 'checklist', value: summary.id, checked: summary === this.choice.checklist,
          onchange: () => { this.choice.checklist = summary; this.update(); },
        }),
        h('span', {}, pick(summary.title)))));
  }

  kindChoice() {
    const id = uid('kind');
    return h('div', { class: 'card' },
      h('label', { for: id }, t('home.kind')),
      h('select', { id, onchange: (event) => { this.choice.kind = event.target.value; } },
        KINDS.map((kind) => h('option', { value: kind, selected: kind === this.choice.kind }, t(`kind.${kind}`)))));
  }

  update() {
    this.start.disabled = !(this.choice.checklist && this.choice.location);
  }

  /** Start an inspection, or resume the open draft of the same checklist at the same place. */
  async begin() {
    const { checklist, kind, location } = this.choice;
    await db.meta.set('lastChoice', { checklist: checklist.id, kind });
    const open = (await inspections.list()).find((draft) => draft.checklist_id === checklist.id && draft.location_id === location.id);
    if (open) return this.router.go(`/walk/${open.id}/${open.position}`);
    const draft = await inspections.start(checklist, location.id, kind);
    return this.router.go(`/start/${draft.id}`);
  }

  async discard(draft) {
    if (!(await this.dialog.confirm(t('home.discard_confirm'), { confirmLabel: t('action.discard'), danger: true }))) return;
    await inspections.discard(draft);
    this.router.go('/', { replace: true });
  }
}
