/**
 * Bulk assignment for supervisors: the tasks chosen in the list go to one department, with a
 * reason. Each is its own PATCH under the version this device holds (tasks.moveMany), so one
 * that changed meanwhile (412) or cannot go (422) is named with its reason while the others
 * move; the refused ones stay chosen for another try.
 */
import * as api from '../api.js';
import { codeText, pick, t } from '../i18n.js';
import { moveMany } from '../tasks.js';
import { fill, h, uid } from './dom.js';

/** Say why one task did not move. */
function reason(error) {
  if (error instanceof api.ApiError && error.status === 412) return t('tasks.bulk.stale');
  if (error instanceof api.NetworkError) return t('form.needs_network');
  return codeText(error.code);
}

export class BulkMove {
  /** ``onDone(refused ids)`` runs after a move: the list reloads and keeps those chosen. */
  constructor({ departments, onClear, onDone }) {
    this.departments = departments;
    this.onDone = onDone;
    this.tasks = [];
    const selectId = uid('bulk-department');
    const reasonId = uid('bulk-reason');
    this.count = h('p', { class: 'lead', 'data-testid': 'bulk-count', 'aria-live': 'polite' });
    this.select = h('select', { id: selectId, name: 'department', required: true });
    this.status = h('p', { class: 'muted', 'aria-live': 'polite', 'data-testid': 'bulk-status' });
    this.failures = h('ul', { class: 'bulk-failures', 'data-testid': 'bulk-failures' });
    this.button = h('button', { type: 'submit', class: 'btn btn-primary' }, t('tasks.bulk.send'));
    this.form = h('form', { class: 'card stack bulk-move', 'data-testid': 'bulk-move', hidden: true },
      this.count,
      h('div', { class: 'bulk-fields' },
        h('div', {}, h('label', { for: selectId }, t('tasks.bulk.department')), this.select),
        h('div', {}, h('label', { for: reasonId }, t('task.reason')),
          h('input', { id: reasonId, name: 'reason', required: true, maxlength: 2000 }))),
      h('div', { class: 'row wrap' }, this.button,
        h('button', { type: 'button', class: 'btn', onclick: onClear }, t('tasks.bulk.clear'))));
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.send();
    });
    // The outcome stays in sight after the moved tasks left the selection (and the form hid).
    this.element = h('div', { class: 'bulk' }, this.form, this.status, this.failures);
  }

  /** Show the form for the chosen tasks (hidden when none is). */
  show(tasks) {
    this.tasks = tasks;
    this.form.hidden = tasks.length === 0;
    this.count.textContent = t('tasks.bulk.selected', { n: tasks.length });
    // Departments of the chosen tasks' hospital(s) only: a task cannot go to another hospital.
    const hospitals = new Set(tasks.map((task) => task.hospital_id));
    const chosen = this.select.value;
    fill(this.select, h('option', { value: '' }, t('task.move_choose')),
      this.departments.filter((d) => hospitals.has(d.hospital_id))
        .map((d) => h('option', { value: d.id, selected: String(d.id) === chosen }, pick(d.name))));
  }

  async send() {
    const data = new FormData(this.form);
    const department = Number(data.get('department'));
    this.button.disabled = true;
    fill(this.failures);
    try {
      const results = await moveMany(this.tasks, department, data.get('reason'), (done, total) => {
        this.status.textContent = t('tasks.bulk.progress', { n: done + 1, total });
      });
      const refused = results.filter((result) => !result.ok);
      this.status.textContent = t('tasks.bulk.done', { ok: results.length - refused.length, failed: refused.length });
      fill(this.failures, refused.map(({ task, error }) => h('li', { class: 'error', 'data-task-id': task.id },
        t('tasks.bulk.failed_item', { id: task.id, title: pick(task.title), reason: reason(error) }))));
      await this.onDone(refused.map(({ task }) => task.id));
    } finally {
      this.button.disabled = false;
    }
  }
}
