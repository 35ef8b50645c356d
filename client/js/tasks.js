/**
 * The rectification workflow: read a task whole, move, assign, reschedule, cancel, send
 * evidence, verify. No DOM.
 *
 * These are online actions: a change is judged against the task's current version (If-Match), so
 * it cannot wait in an outbox and be applied later over somebody else's change. Evidence and
 * verifications carry an id made when the form opens, so resending after a lost answer records
 * them once.
 */
import * as api from './api.js';
import * as db from './db.js';
import { mayUse } from './roles.js';

const OPEN = new Set(['open', 'assigned', 'submitted']);

/** Whether a task still needs work. */
export const isOpen = (task) => OPEN.has(task.status);

/** What ``user`` may do to ``task`` now, as the server's rules allow it (permissions.py). */
export function allowed(task, user) {
  const roles = new Set(user?.roles || []);
  const manager = roles.has('admin') || roles.has('supervisor');
  const ownDepartment = user?.department_id != null && user.department_id === task.department_id;
  const head = roles.has('department_head') && ownDepartment;
  // the person named on the task reports their own fix; a leader changes nothing even if named
  const named = task.assignee_id === user?.id && ownDepartment && [...roles].some((role) => role !== 'leader');
  return {
    manage: manager && isOpen(task), // move to another department, reschedule, cancel
    assign: (manager || head) && isOpen(task), // name the person within the department
    evidence: (manager || head || named) && (task.status === 'open' || task.status === 'assigned'),
    // nobody verifies what they sent themselves
    verify: (manager || roles.has('inspector')) && task.status === 'submitted'
      && task.submitted_by_id !== user.id,
  };
}

/**
 * Whether an open task waits for ``user``, i.e. they can act on it now: supervisors place new
 * tasks; the department's head names its person and sends the evidence; supervisors and
 * inspectors verify what others sent; the person named fixes it.
 */
export function waitsFor(task, user) {
  const may = allowed(task, user);
  if (may.verify) return true;
  if (task.assignee_id === user?.id && task.status === 'assigned') return true;
  if (may.evidence && task.department_id === user.department_id) return true;
  return may.manage && task.status === 'open';
}

/** Return the open tasks the device holds, optionally of one location, soonest deadline first. */
export async function openTasks(locationId) {
  const tasks = locationId === undefined ? await db.all('tasks') : await db.all('tasks', 'location_id', locationId);
  return tasks.filter(isOpen).sort((a, b) => (a.due_at || '').localeCompare(b.due_at || ''));
}

/** Keep the device's copy of a task current (the list and the visit screen read it offline). */
async function keep(task) {
  const { failures, submissions, assignee_name: assigneeName, ...lean } = task;
  await db.put('tasks', lean);
  return task;
}

/**
 * Return ``{task, etag, events}`` fresh from the server. A task the user may no longer see (moved
 * to another department) is forgotten on the device: the pull sends nothing for it.
 */
export async function load(id) {
  try {
    const [answer, events] = await Promise.all([
      api.call('GET', `/tasks/${id}`, { withHeaders: true }),
      api.call('GET', `/tasks/${id}/events`),
    ]);
    await keep(answer.data);
    return { task: answer.data, etag: answer.headers.get('ETag'), events };
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 404) await db.remove('tasks', id);
    throw error;
  }
}

/** Change a task under the version the user saw; answers ``{task, etag}``. */
async function patch(id, etag, changes) {
  const answer = await api.call('PATCH', `/tasks/${id}`, {
    json: changes, headers: { 'If-Match': etag }, withHeaders: true,
  });
  await keep(answer.data);
  return { task: answer.data, etag: answer.headers.get('ETag') };
}

/** Give the task to another department; the reason is kept in the history. */
export const move = (id, etag, departmentId, reason) => patch(id, etag, { department_id: departmentId, reason });

/**
 * Move several tasks to one department, one PATCH each under the version this device holds, as
 * the contract has it; one refused (412: changed meanwhile) never stops the others. Answers
 * ``[{task, ok, error}]`` in order; ``onEach(done, total)`` follows the progress. A task that
 * changed meanwhile is read again, so the list shows its current state for another try.
 */
export async function moveMany(list, departmentId, reason, onEach = () => {}) {
  const results = [];
  for (const [index, task] of list.entries()) {
    onEach(index, list.length);
    try {
      const answer = await move(task.id, `"${task.version}"`, departmentId, reason);
      results.push({ task: answer.task, ok: true });
    } catch (error) {
      results.push({ task, ok: false, error });
      if (error instanceof api.ApiError && error.status === 412) await load(task.id).catch(() => {});
    }
  }
  return results;
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

/** The people a task can go to: the active members of its department, by name. */
export async function assignees(departmentId) {
  if (departmentId == null) return [];
  const users = await api.call('GET', `/users?department_id=${departmentId}`);
  // Only people whose role sees tasks can act on one (not a recorder, not a leader).
  return users.filter((user) => mayUse(user, 'todo')).sort((a, b) => a.display_name.localeCompare(b.display_name));
}
