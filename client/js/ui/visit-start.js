/** Before walking: the location's open tasks to re-check, the checklist's scope and source. */
import * as checklists from '../checklists.js';
import * as db from '../db.js';
import { pick, t } from '../i18n.js';
import * as inspections from '../inspections.js';
import { sourceText } from '../sources.js';
import { openTasks } from '../tasks.js';
import { append, fill, h } from './dom.js';
import { LocationPicker, locationPath } from './location-picker.js';
import { taskItem } from './task-row.js';

export class VisitStartView {
  constructor(element, { params: [draftId], router }) {
    this.element = element;
    this.draftId = draftId;
    this.router = router;
  }

  async render() {
    const draft = await inspections.get(this.draftId);
    if (!draft) return this.router.go('/', { replace: true });
    const checklist = await checklists.definition(draft.checklist_id, draft.checklist_version);
    const locations = await db.all('locations');
    this.byId = new Map(locations.map((location) => [location.id, location]));
    this.draft = draft;
    this.checklist = checklist;
    this.where = h('p', { class: 'lead', 'data-testid': 'visit-location' });
    this.taskBox = h('section', { class: 'card', 'aria-labelledby': 'visit-tasks' });
    const rejected = [...Object.values(draft.answers), ...(draft.records ?? [])].some((entry) => entry.rejected)
      || draft.inspection_synced;
    const recordTypes = checklist?.record_types?.length ?? 0;
    append(this.element, 
      h('h1', { tabindex: -1 }, checklist ? pick(checklist.title) : draft.checklist_id),
      this.where,
      h('p', { class: 'muted' }, t(`kind.${draft.kind}`)),
      rejected ? h('p', { class: 'notice', role: 'status' }, t('visit.reopened')) : null,
      draft.inspection_synced ? null : this.locationChanger(locations),
      this.taskBox,
      checklist?.description ? h('p', {}, pick(checklist.description)) : null,
      recordTypes ? h('p', { class: 'notice', 'data-testid': 'visit-records' }, t('visit.records', { n: recordTypes }),
        ' ', h('a', { href: `#/review/${draft.id}` }, t('visit.records_link'))) : null,
      checklist ? h('p', { class: 'muted' }, t('walk.source', { source: sourceText(checklist, checklist) })) : h('p', { class: 'error' }, t('visit.no_definition')),
      checklist ? h('a', { class: 'btn btn-primary btn-block', href: `#/walk/${draft.id}/${draft.position}`, 'data-testid': 'begin-walk' }, t('visit.begin')) : null,
    );
    await this.show();
    return undefined;
  }

  locationChanger(locations) {
    const box = h('div');
    const details = h('details', { class: 'card' }, h('summary', {}, t('visit.change_location')), box);
    new LocationPicker(box, {
      locations,
      selectedId: this.draft.location_id,
      onChange: async (location) => {
        this.draft.location_id = location.id;
        await inspections.save(this.draft);
        await this.show();
      },
    }).render();
    return details;
  }

  async show() {
    const location = this.byId.get(this.draft.location_id);
    fill(this.where, location ? `${locationPath(location, this.byId)} (${location.code})` : t('tasks.unknown_location'));
    const tasks = await openTasks(this.draft.location_id);
    // A task opened by an item of this checklist is re-checked by answering that item again, at
    // its position in this place's walk (the place, and so its use, may just have changed). An
    // item the place's use leaves out (a task from before uses, or from "show all") is still
    // re-checked: its link opens the walk with every item shown.
    const walk = this.checklist ? await checklists.walkItems(this.draft, this.checklist) : [];
    const all = this.checklist ? checklists.items(this.checklist) : [];
    this.items = new Map([...all.map((item) => [item.id, { ...item, outside: true }]), ...walk.map((item) => [item.id, item])]);
    const itemOf = (task) => (task.checklist_id === this.draft.checklist_id ? this.items.get(task.item_id) : undefined);
    fill(this.taskBox,
      h('h2', { id: 'visit-tasks' }, t('visit.tasks', { n: tasks.length })),
      tasks.length ? [
        h('p', { class: 'muted' }, t('visit.recheck')),
        tasks.some(itemOf) ? h('p', { class: 'muted', 'data-testid': 'recheck-hint' }, t('visit.recheck_how')) : null,
        h('ul', { class: 'list' }, tasks.map((task) => this.taskRow(task, itemOf(task))))]
        : h('p', { class: 'muted' }, t('visit.no_tasks')));
  }

  /** Return a task, with a link to its item when answering that item again re-checks it. */
  taskRow(task, item) {
    const row = taskItem(task);
    if (item) {
      const showAll = async (event) => {
        event.preventDefault();
        this.draft.show_all = true;
        await inspections.save(this.draft);
        this.router.go(`/walk/${this.draft.id}/${item.index}`);
      };
      row.firstChild.append(h('a', {
        class: 'recheck-link', href: `#/walk/${this.draft.id}/${item.index}`, 'data-testid': 'recheck-item', onclick: item.outside && !this.draft.show_all ? showAll : null,
      }, t('visit.recheck_item', { n: item.index + 1 })));
    }
    return row;
  }
}
