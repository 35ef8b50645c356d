/**
 * The problem list on this device: what the signed-in user can act on now ("for me"), or every
 * task found by search, filters and order (task-list.js), each row naming the responsible
 * department. Read from the device's copy, so it works offline; supervisors choose tasks and move
 * them to a department together (bulk-move.js), which needs a connection.
 */
import * as db from '../db.js';
import { pick, t } from '../i18n.js';
import { mayUse } from '../roles.js';
import { placesOf, restore, selectTasks } from '../task-list.js';
import { allowed, isOpen, waitsFor } from '../tasks.js';
import { BulkMove } from './bulk-move.js';
import { append, fill, h, uid } from './dom.js';
import { locationPath } from './location-picker.js';
import { TaskFilters } from './task-filters.js';
import { tableHeader, taskRow } from './task-row.js';

const MODES = ['todo', 'list'];

export class TasksView {
  /** The list follows the device's copy: it is read again whenever a sync brought changes. */
  constructor(element, { sync }) {
    this.element = element;
    this.sync = sync;
    this.selected = new Set();
    this.reload = () => this.load().then(() => this.show());
  }

  async render() {
    const [locations, departments, user] = await Promise.all([db.all('locations'), db.all('departments'), db.meta.get('user')]);
    this.user = user;
    await this.load();
    this.locations = new Map(locations.map((location) => [location.id, location]));
    this.departments = new Map(departments.map((department) => [department.id, department]));
    departments.sort((a, b) => pick(a.name).localeCompare(pick(b.name)));
    // A read-only user (a leader) acts on nothing: no "for me" list. Unless the user chose, the
    // list opens on what waits for them, or on the task list when nothing does.
    this.modes = MODES.filter((name) => name !== 'todo' || mayUse(user, 'todo'));
    const chosen = sessionStorage.getItem('tasks.mode');
    const waiting = this.modes.includes('todo') && this.tasks.some((task) => waitsFor(task, user));
    this.mode = this.modes.includes(chosen) ? chosen : (waiting ? 'todo' : 'list');
    this.criteria = restore(sessionStorage.getItem('tasks.criteria'));
    // The count is announced as the search narrows the list; the rows themselves are not.
    this.intro = h('p', { class: 'muted', 'data-testid': 'tasks-intro', 'aria-live': 'polite' });
    this.chips = h('div', { class: 'row wrap', role: 'group', 'aria-label': t('tasks.mode.label') },
      this.modes.map((name) => h('button', {
        type: 'button', class: 'btn btn-small', 'data-filter': name, onclick: () => this.choose(name),
      })));
    const pathOf = (location) => locationPath(location, this.locations);
    this.filters = new TaskFilters({
      criteria: this.criteria,
      departments,
      places: placesOf(this.tasks, this.locations, pathOf),
      onChange: (criteria) => {
        this.criteria = criteria;
        sessionStorage.setItem('tasks.criteria', JSON.stringify(criteria));
        this.show();
      },
    });
    this.criteria = this.filters.criteria;
    this.bulk = new BulkMove({
      departments,
      onClear: () => this.select([], false),
      onDone: async (refused) => {
        this.selected = new Set(refused);
        await this.reload();
      },
    });
    const allId = uid('tasks-all');
    this.all = h('input', { type: 'checkbox', id: allId, 'data-testid': 'task-select-all', onchange: (event) => this.select(this.shown, event.target.checked) });
    this.allRow = h('div', { class: 'check select-all' }, this.all, h('label', { for: allId }, t('tasks.select_all')));
    this.results = h('ul', { class: 'list task-table' });
    // Supervisors enter problems from outside the walk (a city notice, an unannounced visit).
    const report = mayUse(user, 'external')
      ? h('p', {}, h('a', { href: '#/tasks/external', class: 'btn', 'data-testid': 'external-open' }, t('external.open')))
      : null;
    append(this.element, h('h1', { tabindex: -1 }, t('tasks.title')), report, this.intro, this.chips, this.filters.element,
      this.bulk.element, this.allRow, this.results);
    this.show();
    this.sync.addEventListener('synced', this.reload);
  }

  /** Read every task the device holds, finished ones too (the "closed" filter shows them). */
  async load() {
    this.tasks = await db.all('tasks');
  }

  choose(name) {
    this.mode = name;
    sessionStorage.setItem('tasks.mode', name);
    this.show();
  }

  /** Whether the user may choose ``task`` for a bulk move (supervisors, open tasks). */
  movable(task) {
    return allowed(task, this.user).manage;
  }

  select(tasks, on) {
    for (const task of tasks) {
      if (on && this.movable(task)) this.selected.add(task.id);
      else this.selected.delete(task.id);
    }
    if (!tasks.length) this.selected.clear();
    this.update();
  }

  /** Show the selection (the boxes, "all", the bulk form) without rebuilding rows: focus stays. */
  update() {
    const byId = new Map(this.tasks.map((task) => [task.id, task]));
    for (const id of this.selected) if (!byId.has(id) || !this.movable(byId.get(id))) this.selected.delete(id);
    for (const box of this.results.querySelectorAll('[data-testid=task-select]')) {
      box.checked = this.selected.has(Number(box.closest('[data-task-id]').dataset.taskId));
    }
    const movable = this.shown.filter((task) => this.movable(task));
    this.allRow.hidden = movable.length === 0;
    this.all.checked = movable.length > 0 && movable.every((task) => this.selected.has(task.id));
    this.bulk.show([...this.selected].map((id) => byId.get(id)));
  }

  show() {
    const context = { locations: this.locations, departments: this.departments, now: Date.now() };
    const mine = (task) => waitsFor(task, this.user);
    const todo = selectTasks(this.tasks.filter(mine), this.criteria, context, { ignoreStatus: true });
    const listed = selectTasks(this.tasks, this.criteria, context);
    this.shown = this.mode === 'todo' ? todo : listed;
    for (const button of this.chips.children) {
      const name = button.dataset.filter;
      button.setAttribute('aria-pressed', String(name === this.mode));
      button.textContent = t(`tasks.mode.${name}`, { n: name === 'todo' ? todo.length : listed.length });
    }
    this.intro.textContent = t('tasks.intro', { shown: this.shown.length, n: this.tasks.length, open: this.tasks.filter(isOpen).length });
    fill(this.results,
      this.shown.length ? tableHeader() : h('li', { class: 'notice' }, t(this.mode === 'todo' ? 'tasks.none_todo' : 'tasks.none')),
      this.shown.map((task) => taskRow(task, {
        locations: this.locations,
        departments: this.departments,
        select: this.movable(task) ? { onchange: (event) => this.select([task], event.target.checked) } : null,
      })));
    this.update();
  }

  leave() {
    this.sync.removeEventListener('synced', this.reload);
  }
}
