/**
 * One task as a row of a list: what it is, where, whose, by when. On a phone the row stacks; on
 * a wide screen the rows of ``.task-table`` line up as columns (css/app.css).
 */
import { formatDate, pick, t } from '../i18n.js';
import { isOverdue } from '../task-list.js';
import { h } from './dom.js';
import { locationPath } from './location-picker.js';

/** Return the responsible department's name: the task's own, else the device's copy. */
export function departmentName(task, departments) {
  if (task.department_id == null) return t('task.no_department');
  return pick(task.department_name || departments?.get(task.department_id)?.name) || t('task.no_department');
}

/** Return the place's name with its parents (from the device's copy), else the task's own. */
export function placeName(task, locations) {
  const location = locations?.get(task.location_id);
  if (location) return locationPath(location, locations);
  return pick(task.location_name) || t('tasks.unknown_location');
}

function badges(task) {
  return h('div', { class: 'row wrap' },
    task.severity ? h('span', { class: `badge badge-${task.severity}` }, t(`severity.${task.severity}`)) : null,
    h('span', { class: 'badge', 'data-testid': 'task-row-status' }, t(`task.status.${task.status}`)),
    isOverdue(task) ? h('span', { class: 'badge badge-critical' }, t('task.overdue')) : null,
    task.source && task.source !== 'finding' ? h('span', { class: 'badge', 'data-testid': 'task-row-source' },
      t(`tasks.source.${task.source}`), task.source_ref ? ` · ${task.source_ref}` : '') : null,
    task.occurrences > 1 ? h('span', { class: 'badge' }, t('task.occurrences', { n: task.occurrences })) : null);
}

/** Return one task as a list item that opens the task (the visit screen lists them so). */
export function taskItem(task, { departments } = {}) {
  return h('li', { class: 'list-item task', 'data-testid': 'task', dataset: { taskId: task.id } },
    h('div', {},
      h('a', { href: `#/task/${task.id}`, class: 'task-link' }, h('strong', {}, pick(task.title))),
      badges(task),
      h('div', { class: 'muted' }, t('tasks.row.department', { name: departmentName(task, departments) })),
      task.due_at ? h('div', { class: 'muted' }, t('task.due', { date: formatDate(task.due_at) })) : null));
}

/**
 * Return one task as a row of the task list: an optional checkbox (``select``: {onchange}), the
 * title with its badges, the place, the department and the deadline.
 */
export function taskRow(task, { locations, departments, select }) {
  const box = select
    ? h('input', {
      type: 'checkbox', class: 'task-select', 'data-testid': 'task-select',
      'aria-label': t('tasks.select', { id: task.id, title: pick(task.title) }), onchange: select.onchange,
    })
    : null;
  return h('li', { class: 'task-table-row task', 'data-testid': 'task', dataset: { taskId: task.id } },
    h('div', { class: 'cell-select' }, box),
    h('div', { class: 'cell-task' },
      h('a', { href: `#/task/${task.id}`, class: 'task-link' }, h('strong', {}, pick(task.title))),
      h('span', { class: 'code' }, ` #${task.id}`),
      badges(task)),
    cell('place', placeName(task, locations)),
    cell('department', departmentName(task, departments)),
    cell('deadline', task.due_at ? formatDate(task.due_at) : ''));
}

/** A cell with its column's name before it (shown on a phone, where no header row is). */
function cell(column, text) {
  return h('div', { class: `cell-${column}`, 'data-testid': `task-${column}` },
    h('span', { class: 'cell-label' }, t(`tasks.column.${column}`), t('tasks.label_separator')), text);
}

/** Return the header row the wide layout shows above the rows (hidden on a phone). */
export function tableHeader() {
  return h('li', { class: 'task-table-head', 'aria-hidden': 'true' }, h('div', {}),
    ['task', 'place', 'department', 'deadline'].map((name) => h('div', {}, t(`tasks.column.${name}`))));
}
