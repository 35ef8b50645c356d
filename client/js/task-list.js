/**
 * The task list's search, filters and orders over the device's copy of the tasks. No DOM.
 *
 * The device holds every task its user may see, finished ones too (the pull sends each change,
 * whatever the status), so "closed" and "cancelled" work offline for what it holds. The same
 * words and orders as ``GET /api/v1/tasks`` (docs/tasks.md, "The list"), judged on the device.
 */
import { isOpen } from './tasks.js';

/** Status choices: ``active`` is every task still being worked on. */
export const STATUSES = ['active', 'open', 'assigned', 'submitted', 'closed', 'cancelled', 'all'];
export const SEVERITIES = ['critical', 'major', 'minor'];
export const SOURCES = ['finding', 'record', 'external'];
export const SORTS = ['due_at', '-due_at', 'created_at', '-created_at', 'severity'];

/** What the list shows unless the user chose otherwise. */
export const DEFAULTS = Object.freeze({
  q: '', status: 'active', department: '', location: '', severity: '', source: '', overdue: false, sort: 'due_at',
});

/** How many filters differ from the defaults (the search and the order are not filters). */
export function activeFilters(criteria) {
  return ['status', 'department', 'location', 'severity', 'source', 'overdue']
    .filter((name) => criteria[name] !== DEFAULTS[name]).length;
}

/** Whether a task is overdue now: its copy's flag is as old as the last pull. */
export const isOverdue = (task, now = Date.now()) => isOpen(task) && Date.parse(task.due_at) < now;

function statusMatches(task, status) {
  if (status === 'all') return true;
  if (status === 'active') return isOpen(task);
  return task.status === status;
}

/** Whether ``locationId`` is ``placeId`` or lies inside it (a building holds its floors). */
function within(locationId, placeId, locations) {
  const seen = new Set();
  for (let id = locationId; id != null && !seen.has(id); id = locations.get(id)?.parent_id) {
    if (id === placeId) return true;
    seen.add(id);
  }
  return false;
}

/** Return the text a task is found by: its title, place and department, in both languages. */
function wordsOf(task, { locations, departments }) {
  const place = locations.get(task.location_id);
  const department = departments.get(task.department_id);
  return [task.title, task.location_name, place?.name, task.department_name, department?.name]
    .flatMap((name) => (name ? Object.values(name) : []))
    .concat(place?.code || [])
    .join('\n')
    .toLocaleLowerCase();
}

/** Whether the words typed find the task: ``#41`` its id alone, ``41`` its id or its words. */
function found(task, q, context) {
  const words = q.trim().toLocaleLowerCase();
  if (!words) return true;
  const number = words.replace(/^#/, '');
  if (/^\d+$/.test(number) && Number(number) === task.id) return true;
  if (words.startsWith('#') && /^\d+$/.test(number)) return false;
  return wordsOf(task, context).includes(words);
}

/**
 * Whether ``task`` passes ``criteria``. ``context``: ``locations`` and ``departments`` by id,
 * ``now`` (ms). ``ignoreStatus`` for lists that choose by status themselves ("for me").
 */
export function matches(task, criteria, context, { ignoreStatus = false } = {}) {
  const c = { ...DEFAULTS, ...criteria };
  return (ignoreStatus || statusMatches(task, c.status))
    && (!c.department || task.department_id === Number(c.department))
    && (!c.location || within(task.location_id, Number(c.location), context.locations))
    && (!c.severity || task.severity === c.severity)
    && (!c.source || (task.source || 'finding') === c.source)
    && (!c.overdue || isOverdue(task, context.now))
    && found(task, c.q, context);
}

const RANK = { critical: 0, major: 1, minor: 2 };
const byId = (a, b) => a.id - b.id;
const ORDERS = {
  due_at: (a, b) => (a.due_at || '').localeCompare(b.due_at || '') || byId(a, b),
  '-due_at': (a, b) => (b.due_at || '').localeCompare(a.due_at || '') || byId(b, a),
  created_at: (a, b) => (a.created_at || '').localeCompare(b.created_at || '') || byId(a, b),
  '-created_at': (a, b) => (b.created_at || '').localeCompare(a.created_at || '') || byId(b, a),
  severity: (a, b) => (RANK[a.severity] ?? 3) - (RANK[b.severity] ?? 3) || ORDERS.due_at(a, b),
};

/** Return the tasks in ``sort`` order (as the server sorts them), leaving ``tasks`` as it was. */
export const sortTasks = (tasks, sort = 'due_at') => [...tasks].sort(ORDERS[sort] || ORDERS.due_at);

/** Return the tasks that pass ``criteria``, in its order. */
export function selectTasks(tasks, criteria, context, options) {
  const c = { ...DEFAULTS, ...criteria };
  return sortTasks(tasks.filter((task) => matches(task, c, context, options)), c.sort);
}

/**
 * Return the places worth filtering by: those holding a task and the places that enclose them,
 * as ``[location, path]`` sorted by path (``pathOf(location)`` names a place with its parents).
 */
export function placesOf(tasks, locations, pathOf) {
  const ids = new Set();
  for (const task of tasks) {
    for (let id = task.location_id; id != null && !ids.has(id); id = locations.get(id)?.parent_id) ids.add(id);
  }
  return [...ids].map((id) => locations.get(id)).filter(Boolean)
    .map((location) => [location, pathOf(location)])
    .sort((a, b) => a[1].localeCompare(b[1]));
}

/** Read criteria saved as JSON, keeping only known names and values. */
export function restore(saved) {
  let data = {};
  try {
    data = JSON.parse(saved || '{}') || {};
  } catch {
    data = {};
  }
  const c = { ...DEFAULTS };
  for (const name of ['q', 'department', 'location']) if (typeof data[name] === 'string') c[name] = data[name];
  if (STATUSES.includes(data.status)) c.status = data.status;
  if (SEVERITIES.includes(data.severity)) c.severity = data.severity;
  if (SOURCES.includes(data.source)) c.source = data.source;
  if (SORTS.includes(data.sort)) c.sort = data.sort;
  c.overdue = data.overdue === true;
  return c;
}
