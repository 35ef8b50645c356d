/**
 * The rectification workflow: read a task whole, assign, reschedule, cancel, send evidence,
 * verify. No DOM.
 *
 * These are online actions: a change is judged against the task's current version (If-Match), so
 * it cannot wait in an outbox and be applied later over somebody else's change. Evidence and
 * verifications carry an id made when the form opens, so resending after a lost answer records
 * them once.
 */
import * as api from './api.js';
import * as db from './db.js';

const OPEN = new Set(['open', 'assigned', 'submitted']);

/** Whether a task still needs work. */
export const isOpen = (task) => OPEN.has(task.status);

/**
 * Whether an open task waits for ``user``: supervisors assign new tasks and verify fixes; the
 * department sends evidence; inspectors re-check every open problem on their walks.
 */
export function waitsFor(task, user) {
  const roles = new Set(user?.roles || []);
  if (roles.has('admin') || roles.has('supervisor')) return task.status === 'open' || task.status === 'submitted';
  if (roles.has('department_head') && task.department_id === user.department_id) {
    return task.status === 'open' || task.status === 'assigned';
  }
  return roles.has('inspector') && isOpen(task);
}

/** What ``user`` may do to ``task`` now, as the server's rules allow it. */
export function allowed(task, user) {
  const roles = new Set(user?.roles || []);
  const manager = roles.has('admin') || roles.has('supervisor');
  const lastSender = [...(task.submissions || [])].reverse()
    .find((submission) => submission.kind === 'evidence' || submission.kind === 'recheck')?.actor_id;
  return {
    manage: manager && isOpen(task),
    evidence: (manager || (roles.has('department_head') && user.department_id === task.department_id))
      && (task.status === 'open' || task.status === 'assigned'),
    verify: (manager || roles.has('inspector')) && task.status === 'submitted' && lastSender !== user.id,
  };
}

/** Keep the device's copy of a task current (the list and the visit screen read it offline). */
async function keep(task) {
  const { failures, submissions, assignee_name: assigneeName, ...lean } = task;
  await db.put('tasks', lean);
  return task;
}

/** Return ``{task, etag, events}`` fresh from the server. */
export async function load(id) {
  const [answer, events] = await Promise.all([
    api.call('GET', `/tasks/${id}`, { withHeaders: true }),
    api.call('GET', `/tasks/${id}/events`),
  ]);
  await keep(answer.data);
  return { task: answer.data, etag: answer.headers.get('ETag'), events };
}

/** Change a task under the version the user saw; answers ``{task, etag}``. */
async function patch(id, etag, changes) {
  const answer = await api.call('PATCH', `/tasks/${id}`, {
    json: changes, headers: { 'If-Match': etag }, withHeaders: true,
  });
  await keep(answer.data);
  return { task: answer.data, etag: answer.headers.get('ETag') };
}

/** Give the task to a person (null: back to unassigned). */
export const assign = (id, etag, assigneeId) => patch(id, etag, { assignee_id: assigneeId });

/** Move the deadline; the reason is kept in the history. */
export const reschedule = (id, etag, dueAt, reason) => patch(id, etag, { due_at: dueAt, reason });

/** Cancel the task (a duplicate, a wrong finding); the reason is kept in the history. */
export const cancel = (id, etag, reason) => patch(id, etag, { status: 'cancelled', reason });

/** Upload prepared photos (see photos.prepare); a photo already stored answers 200. */
async function upload(photos, onProgress) {
  for (const [index, photo] of photos.entries()) {
    onProgress?.(index, photos.length);
    await api.putPhoto(photo);
  }
}

/** Send the department's evidence: ``{id, note, photos}``; the task waits for verification. */
export async function submitEvidence(taskId, { id, note, photos }, onProgress) {
  await upload(photos, onProgress);
  const task = await api.call('POST', `/tasks/${taskId}/evidence`, {
    json: { id, note, photo_ids: photos.map((photo) => photo.id) },
  });
  return keep(task);
}

/** Record whether the fix held: pass closes the task (ticks it off), fail sends it back. */
export async function verify(taskId, { id, result, note, photos }, onProgress) {
  await upload(photos, onProgress);
  const task = await api.call('POST', `/tasks/${taskId}/verify`, {
    json: { id, result, note, photo_ids: photos.map((photo) => photo.id) },
  });
  return keep(task);
}

/** People a task can go to: its department's first, then everyone else of the hospital. */
export async function assignees(departmentId) {
  const users = await api.call('GET', '/users');
  const ours = (user) => (user.department_id === departmentId ? 0 : 1);
  return users.sort((a, b) => ours(a) - ours(b) || a.display_name.localeCompare(b.display_name));
}
