/**
 * One rectification task, whole: what failed (with its photos), the evidence and checks sent
 * back, the history, and what the signed-in user may do next (see task-actions.js).
 *
 * Online it is read fresh from the server; offline the device's copy is shown with the actions
 * switched off, because every change is judged against the task's current version.
 */
import * as api from '../api.js';
import * as db from '../db.js';
import { codeText, formatDate, formatTime, pick, t } from '../i18n.js';
import { storedItem, valueText } from '../limits.js';
import * as tasks from '../tasks.js';
import { append, h } from './dom.js';
import { locationPath } from './location-picker.js';
import { RemotePhotos } from './remote-photos.js';
import { TaskActions } from './task-actions.js';
import { taskOrigin } from './task-origin.js';

export class TaskView {
  constructor(element, { params, router, dialog }) {
    this.element = element;
    this.id = Number(params[0]);
    this.router = router;
    this.dialog = dialog;
    this.photos = new RemotePhotos();
  }

  async render() {
    const [user, locations, departments] = await Promise.all([
      db.meta.get('user'), db.all('locations'), db.all('departments'),
    ]);
    this.user = user;
    this.locations = new Map(locations.map((location) => [location.id, location]));
    this.departments = new Map(departments.map((department) => [department.id, department]));
    let fresh = null;
    let problem = null;
    try {
      fresh = await tasks.load(this.id);
    } catch (error) {
      problem = error;
    }
    const task = fresh?.task ?? (await db.get('tasks', this.id));
    append(this.element, h('p', {}, h('a', { href: '#/tasks' }, t('task.back'))));
    if (!task) {
      append(this.element, h('h1', { tabindex: -1 }, t('task.title')),
        h('p', { class: 'error', role: 'alert' }, problem ? codeText(problem.code) : t('task.not_here')));
      return;
    }
    append(this.element, ...this.summary(task));
    if (!fresh) {
      append(this.element, h('p', { class: 'notice', role: 'status', 'data-testid': 'task-offline' },
        problem instanceof api.NetworkError ? t('task.offline') : codeText(problem.code)));
      return;
    }
    this.item = await storedItem(task.checklist_id, task.item_id);
    append(this.element, this.failures(task), this.submissions(task));
    this.actions = new TaskActions({
      task,
      etag: fresh.etag,
      user,
      departments: departments.filter((department) => department.hospital_id === task.hospital_id),
      dialog: this.dialog,
      onChanged: (message) => this.refresh(message),
    });
    append(this.element, this.actions.element, this.history(fresh.events));
  }

  /** Show the task again after a change (or a refused stale change), saying what happened. */
  async refresh(message) {
    this.leave();
    this.element.replaceChildren();
    this.photos = new RemotePhotos();
    await this.render();
    if (message) {
      this.element.querySelector('h1')?.after(h('p', { class: 'notice', role: 'status', 'data-testid': 'task-message' }, message));
    }
  }

  summary(task) {
    const location = this.locations.get(task.location_id);
    const department = this.departments.get(task.department_id);
    const row = (label, value) => (value ? [h('dt', {}, label), h('dd', {}, value)] : []);
    return [
      h('h1', { tabindex: -1 }, pick(task.title)),
      h('div', { class: 'row wrap' },
        h('span', { class: `badge badge-${task.severity}` }, t(`severity.${task.severity}`)),
        h('span', { class: 'badge', 'data-testid': 'task-status' }, t(`task.status.${task.status}`)),
        task.overdue ? h('span', { class: 'badge badge-critical' }, t('task.overdue')) : null,
        task.occurrences > 1 ? h('span', { class: 'badge' }, t('task.occurrences', { n: task.occurrences })) : null),
      h('dl', { class: 'facts card' },
        row(t('task.location'), location ? `${locationPath(location, this.locations)} (${location.code})` : null),
        row(t('task.department'), department ? pick(department.name) : null),
        row(t('task.assignee'), task.assignee_name || (task.assignee_id ? `#${task.assignee_id}` : t('task.unassigned'))),
        row(t('task.deadline'), formatDate(task.due_at)),
        ...taskOrigin(task),
        row(t('task.created'), formatTime(task.created_at)),
        row(t('task.closed'), task.closed_at ? formatTime(task.closed_at) : null)),
    ];
  }

  failures(task) {
    if (!task.failures.length) return null;
    return h('section', { class: 'card', 'data-testid': 'task-failures' },
      h('h2', {}, t('task.failures')),
      h('ul', { class: 'list' }, task.failures.map((failure) => h('li', { class: 'list-item entry' },
        h('div', { class: 'muted' }, formatTime(failure.recorded_at)),
        failure.note ? h('p', {}, failure.note) : null,
        failure.kind === 'finding' && failure.value !== null ? h('p', { 'data-testid': 'failure-value' }, valueText(this.item, failure.value)) : null,
        failure.failed_rules.length ? h('p', {}, t('task.failed_rules', { n: failure.failed_rules.length })) : null,
        this.photos.list(failure.photo_ids, t('task.before'), failure.photo_originals)))));
  }

  submissions(task) {
    if (!task.submissions.length) return null;
    return h('section', { class: 'card', 'data-testid': 'task-submissions' },
      h('h2', {}, t('task.submissions')),
      h('ul', { class: 'list' }, task.submissions.map((submission) => h('li', { class: 'list-item entry' },
        h('strong', {}, t(`task.kind.${submission.kind}`),
          submission.result ? h('span', { class: `badge badge-${submission.result}` }, t(`task.result.${submission.result}`)) : null),
        h('div', { class: 'muted' }, `${submission.actor_name} · ${formatTime(submission.created_at)}`),
        submission.note ? h('p', {}, submission.note) : null,
        this.photos.list(submission.photo_ids, t(`task.kind.${submission.kind}`))))));
  }

  history(events) {
    return h('section', { class: 'card', 'data-testid': 'task-history' },
      h('h2', {}, t('task.history')),
      h('ol', { class: 'list' }, events.map((event) => h('li', { class: 'list-item entry' },
        h('div', {}, h('strong', {}, this.eventLabel(event)), ' · ', event.actor_name || t('task.system')),
        h('div', { class: 'muted' }, formatTime(event.created_at)),
        this.eventDetail(event),
        event.note ? h('p', {}, event.note) : null))));
  }

  /** A verification says whether it passed; the rest are named by their action. */
  eventLabel(event) {
    if (event.action === 'verified') return t(`task.event.verified_${event.after.result}`);
    return t(`task.event.${event.action}`);
  }

  /** What a move or a new deadline changed, in words. */
  eventDetail(event) {
    const name = (id) => pick(this.departments.get(id)?.name) || t('task.no_department');
    if (event.action === 'moved') {
      return h('p', {}, t('task.moved_detail', {
        from: name(event.before.department_id), to: name(event.after.department_id),
      }));
    }
    if (event.after.due_at && event.action !== 'created') {
      return h('p', {}, t('task.new_deadline', { date: formatDate(event.after.due_at) }));
    }
    return null;
  }

  leave() {
    this.photos.destroy();
    this.actions?.destroy();
  }
}
