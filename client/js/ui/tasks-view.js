/** Open rectification tasks, by location: what the next visit should re-check. */
import * as db from '../db.js';
import { formatDate, pick, t } from '../i18n.js';
import { append, h } from './dom.js';
import { locationPath } from './location-picker.js';

const OPEN = new Set(['open', 'assigned', 'submitted']);

/** Return the open tasks, optionally of one location, most urgent first. */
export async function openTasks(locationId) {
  const tasks = locationId === undefined ? await db.all('tasks') : await db.all('tasks', 'location_id', locationId);
  return tasks.filter((task) => OPEN.has(task.status)).sort((a, b) => (a.due_at || '').localeCompare(b.due_at || ''));
}

/** Return one task as a list item. */
export function taskItem(task) {
  return h('li', { class: 'list-item task', 'data-testid': 'task', dataset: { taskId: task.id } },
    h('div', {},
      h('strong', {}, pick(task.title)),
      h('div', { class: 'row wrap' },
        task.severity ? h('span', { class: `badge badge-${task.severity}` }, t(`severity.${task.severity}`)) : null,
        h('span', { class: 'badge' }, t(`task.status.${task.status}`)),
        task.overdue ? h('span', { class: 'badge badge-critical' }, t('task.overdue')) : null,
        task.occurrences > 1 ? h('span', { class: 'badge' }, t('task.occurrences', { n: task.occurrences })) : null),
      task.due_at ? h('div', { class: 'muted' }, t('task.due', { date: formatDate(task.due_at) })) : null));
}

export class TasksView {
  constructor(element) {
    this.element = element;
  }

  async render() {
    const [tasks, locations] = await Promise.all([openTasks(), db.all('locations')]);
    const byId = new Map(locations.map((location) => [location.id, location]));
    const groups = new Map();
    for (const task of tasks) {
      if (!groups.has(task.location_id)) groups.set(task.location_id, []);
      groups.get(task.location_id).push(task);
    }
    append(this.element, 
      h('h1', { tabindex: -1 }, t('tasks.title')),
      h('p', { class: 'muted' }, t('tasks.intro', { n: tasks.length })),
    );
    if (!tasks.length) append(this.element, h('p', { class: 'notice' }, t('tasks.none')));
    for (const [locationId, list] of groups) {
      const location = byId.get(locationId);
      append(this.element, h('section', { class: 'card' },
        h('h2', {}, location ? locationPath(location, byId) : t('tasks.unknown_location'), ' ',
          location ? h('span', { class: 'code' }, location.code) : null),
        h('ul', { class: 'list' }, list.map(taskItem))));
    }
  }
}
