/**
 * The problem list on this device: what the signed-in user can act on now ("for me"), every
 * open task, or the overdue ones, by location. Read from the device's copy, so it works
 * offline; a task opens whole (and can be worked on) online.
 */
import * as db from '../db.js';
import { formatDate, pick, t } from '../i18n.js';
import { mayUse } from '../roles.js';
import { isOpen, waitsFor } from '../tasks.js';
import { append, fill, h } from './dom.js';
import { locationPath } from './location-picker.js';

/** Return the open tasks, optionally of one location, most urgent first. */
export async function openTasks(locationId) {
  const tasks = locationId === undefined ? await db.all('tasks') : await db.all('tasks', 'location_id', locationId);
  return tasks.filter(isOpen).sort((a, b) => (a.due_at || '').localeCompare(b.due_at || ''));
}

/** Return one task as a list item that opens the task. */
export function taskItem(task) {
  return h('li', { class: 'list-item task', 'data-testid': 'task', dataset: { taskId: task.id } },
    h('div', {},
      h('a', { href: `#/task/${task.id}`, class: 'task-link' }, h('strong', {}, pick(task.title))),
      h('div', { class: 'row wrap' },
        task.severity ? h('span', { class: `badge badge-${task.severity}` }, t(`severity.${task.severity}`)) : null,
        h('span', { class: 'badge' }, t(`task.status.${task.status}`)),
        task.overdue ? h('span', { class: 'badge badge-critical' }, t('task.overdue')) : null,
        task.occurrences > 1 ? h('span', { class: 'badge' }, t('task.occurrences', { n: task.occurrences })) : null),
      task.due_at ? h('div', { class: 'muted' }, t('task.due', { date: formatDate(task.due_at) })) : null));
}

const FILTERS = {
  todo: (task, user) => waitsFor(task, user),
  open: () => true,
  overdue: (task) => task.overdue,
};

export class TasksView {
  /** The list follows the device's copy: it is read again whenever a sync brought changes. */
  constructor(element, { sync }) {
    this.element = element;
    this.sync = sync;
    this.reload = () => this.load().then(() => this.show());
  }

  async render() {
    const [locations, user] = await Promise.all([db.all('locations'), db.meta.get('user')]);
    this.user = user;
    await this.load();
    // A read-only user (a leader) acts on nothing: no "for me" list. Unless the user chose, the
    // list opens on what waits for them, or on every open task when nothing does.
    const filters = Object.keys(FILTERS).filter((name) => name !== 'todo' || mayUse(user, 'todo'));
    const chosen = sessionStorage.getItem('tasks.filter');
    const waiting = filters.includes('todo') && this.tasks.some((task) => waitsFor(task, user));
    this.filter = filters.includes(chosen) ? chosen : (waiting ? 'todo' : 'open');
    this.byId = new Map(locations.map((location) => [location.id, location]));
    this.intro = h('p', { class: 'muted' });
    this.chips = h('div', { class: 'row wrap', role: 'group', 'aria-label': t('tasks.filter.label') },
      filters.map((name) => h('button', {
        type: 'button', class: 'btn btn-small', 'data-filter': name, onclick: () => this.choose(name),
      })));
    this.results = h('div', { 'aria-live': 'polite' });
    append(this.element, h('h1', { tabindex: -1 }, t('tasks.title')), this.intro, this.chips, this.results);
    this.show();
    this.sync.addEventListener('synced', this.reload);
  }

  async load() {
    this.tasks = await openTasks();
  }

  choose(name) {
    this.filter = name;
    sessionStorage.setItem('tasks.filter', name);
    this.show();
  }

  show() {
    this.intro.textContent = t('tasks.intro', { n: this.tasks.length });
    for (const button of this.chips.children) {
      const name = button.dataset.filter;
      button.setAttribute('aria-pressed', String(name === this.filter));
      button.textContent = t(`tasks.filter.${name}`, { n: this.tasks.filter((task) => FILTERS[name](task, this.user)).length });
    }
    const tasks = this.tasks.filter((task) => FILTERS[this.filter](task, this.user));
    const groups = new Map();
    for (const task of tasks) {
      if (!groups.has(task.location_id)) groups.set(task.location_id, []);
      groups.get(task.location_id).push(task);
    }
    fill(this.results,
      tasks.length ? null : h('p', { class: 'notice' }, t(this.filter === 'todo' ? 'tasks.none_todo' : 'tasks.none')),
      [...groups].map(([locationId, list]) => {
        const location = this.byId.get(locationId);
        return h('section', { class: 'card' },
          h('h2', {}, location ? locationPath(location, this.byId) : t('tasks.unknown_location'), ' ',
            location ? h('span', { class: 'code' }, location.code) : null),
          h('ul', { class: 'list' }, list.map(taskItem)));
      }));
  }

  leave() {
    this.sync.removeEventListener('synced', this.reload);
  }
}
