/** Before walking: the location's open tasks to re-check, the checklist's scope and source. */
import * as checklists from '../checklists.js';
import * as db from '../db.js';
import { pick, t } from '../i18n.js';
import * as inspections from '../inspections.js';
import { append, fill, h } from './dom.js';
import { LocationPicker, locationPath } from './location-picker.js';
import { openTasks, taskItem } from './tasks-view.js';

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
    this.where = h('p', { class: 'lead', 'data-testid': 'visit-location' });
    this.taskBox = h('section', { class: 'card', 'aria-labelledby': 'visit-tasks' });
    const rejected = Object.values(draft.answers).some((answer) => answer.rejected) || draft.inspection_synced;
    append(this.element, 
      h('h1', { tabindex: -1 }, checklist ? pick(checklist.title) : draft.checklist_id),
      this.where,
      h('p', { class: 'muted' }, t(`kind.${draft.kind}`)),
      rejected ? h('p', { class: 'notice', role: 'status' }, t('visit.reopened')) : null,
      draft.inspection_synced ? null : this.locationChanger(locations),
      this.taskBox,
      checklist?.description ? h('p', {}, pick(checklist.description)) : null,
      checklist ? h('p', { class: 'muted' }, t('walk.source', { source: checklist.source })) : h('p', { class: 'error' }, t('visit.no_definition')),
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
    fill(this.taskBox,
      h('h2', { id: 'visit-tasks' }, t('visit.tasks', { n: tasks.length })),
      tasks.length ? [h('p', { class: 'muted' }, t('visit.recheck')), h('ul', { class: 'list' }, tasks.map(taskItem))]
        : h('p', { class: 'muted' }, t('visit.no_tasks')));
  }
}
