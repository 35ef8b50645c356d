/**
 * The task list's search box and its filters: status (closed and cancelled too), responsible
 * department, place, severity, source, overdue, and the order. The filters fold into a panel
 * so a phone shows the list first; the search box stays in sight. ``onChange(criteria)`` runs
 * on every change; the criteria's rules live in task-list.js.
 */
import { pick, t } from '../i18n.js';
import { activeFilters, DEFAULTS, SEVERITIES, SORTS, SOURCES, STATUSES } from '../task-list.js';
import { h, uid } from './dom.js';

/** A labelled select; ``options``: [value, words] pairs. */
function choice(label, name, value, options) {
  const id = uid('task-filter');
  return h('div', { class: 'filter-field' },
    h('label', { for: id }, label),
    h('select', { id, name },
      options.map(([option, words]) => h('option', { value: option, selected: option === value }, words))));
}

const statusWords = (status) => (['active', 'all'].includes(status) ? t(`tasks.status.${status}`) : t(`task.status.${status}`));

export class TaskFilters {
  /** ``places``: [location, path] pairs; ``departments``: the device's departments. */
  constructor({ criteria, departments, places, onChange }) {
    this.criteria = { ...DEFAULTS, ...criteria };
    this.onChange = onChange;
    const c = this.criteria;
    const searchId = uid('task-search');
    this.search = h('input', {
      id: searchId, type: 'search', name: 'q', value: c.q, maxlength: 100, autocomplete: 'off',
      placeholder: t('tasks.search_hint'), 'data-testid': 'task-search',
    });
    this.summary = h('summary', { class: 'btn btn-small', 'data-testid': 'task-filters-toggle' });
    this.form = h('form', { class: 'filter-grid', 'data-testid': 'task-filters', onsubmit: (event) => event.preventDefault() },
      choice(t('tasks.filter.status'), 'status', c.status, STATUSES.map((s) => [s, statusWords(s)])),
      choice(t('tasks.filter.department'), 'department', c.department, [['', t('tasks.filter.any')],
        ...departments.map((d) => [String(d.id), pick(d.name)])]),
      choice(t('tasks.filter.location'), 'location', c.location, [['', t('tasks.filter.any')],
        ...places.map(([location, path]) => [String(location.id), path])]),
      choice(t('tasks.filter.severity'), 'severity', c.severity, [['', t('tasks.filter.any')],
        ...SEVERITIES.map((s) => [s, t(`severity.${s}`)])]),
      choice(t('tasks.filter.source'), 'source', c.source, [['', t('tasks.filter.any')],
        ...SOURCES.map((s) => [s, t(`tasks.source.${s}`)])]),
      h('div', { class: 'check filter-field' },
        h('input', { type: 'checkbox', name: 'overdue', id: `${searchId}-overdue`, checked: c.overdue }),
        h('label', { for: `${searchId}-overdue` }, t('tasks.filter.overdue_only'))),
      h('div', { class: 'filter-field' },
        h('button', { type: 'button', class: 'btn btn-small', onclick: () => this.reset() }, t('tasks.filter.reset'))));
    this.sort = choice(t('tasks.sort.label'), 'sort', c.sort, SORTS.map((s) => [s, t(`tasks.sort.${s}`)]));
    this.element = h('div', { class: 'task-filters' },
      h('div', { class: 'filter-bar' },
        h('div', { class: 'filter-search' }, h('label', { for: searchId }, t('tasks.search')), this.search),
        this.sort),
      h('details', { class: 'filter-panel', open: activeFilters(c) > 0 }, this.summary, this.form));
    this.search.addEventListener('input', () => this.read());
    this.form.addEventListener('change', () => this.read());
    this.sort.addEventListener('change', () => this.read());
    this.read({ quiet: true }); // a saved place or department no longer offered counts as none
  }

  /** Take the criteria from the controls and tell the list (unless ``quiet``). */
  read({ quiet = false } = {}) {
    const data = new FormData(this.form);
    this.criteria = {
      q: this.search.value,
      status: data.get('status'),
      department: data.get('department'),
      location: data.get('location'),
      severity: data.get('severity'),
      source: data.get('source'),
      overdue: data.get('overdue') === 'on',
      sort: this.sort.querySelector('select').value,
    };
    this.label();
    if (!quiet) this.onChange(this.criteria);
  }

  reset() {
    for (const select of this.form.querySelectorAll('select')) select.value = DEFAULTS[select.name];
    this.form.elements.overdue.checked = false;
    this.read();
  }

  label() {
    const n = activeFilters(this.criteria);
    this.summary.textContent = n ? t('tasks.filter.toggle_active', { n }) : t('tasks.filter.toggle');
  }
}
