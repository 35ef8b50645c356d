/**
 * The inbox on this device: the user's notifications, fetched with every sync and kept in
 * IndexedDB so the list reads offline. No DOM; emits "change" on ``events``.
 *
 * Fetched, not pulled through the change log: notifications belong to one user while the log is
 * scoped by hospital, so every device would page through every colleague's notices, and marking
 * read would add rows for all of them. The newest 100 are one small request (a 304 when nothing
 * changed, by ETag), and read marks made on other devices come with it.
 *
 * Marking read happens on the device at once; the ids are sent to the server right away, or with
 * the next sync when offline. Only the ids the user saw are sent, so what arrived meanwhile stays
 * unread.
 */
import * as api from './api.js';
import * as db from './db.js';
import { now } from './ids.js';

const ETAG = 'inbox.etag';
const READS = 'inbox.reads';

export const events = new EventTarget();

const changed = () => events.dispatchEvent(new Event('change'));
const unread = (notice) => !notice.read_at;

/** Return the notifications on this device, newest first. */
export async function list() {
  return (await db.all('notifications')).sort((a, b) => b.id - a.id);
}

/** Return how many notifications on this device are unread. */
export async function unreadCount() {
  return (await db.all('notifications')).filter(unread).length;
}

/** Send the read marks made on this device; keep any made while they were on their way. */
async function sendReads() {
  const ids = (await db.meta.get(READS)) ?? [];
  if (!ids.length) return;
  await api.call('POST', '/notifications/read', { json: { ids } });
  const left = ((await db.meta.get(READS)) ?? []).filter((id) => !ids.includes(id));
  await db.meta.set(READS, left);
}

/** Send read marks, then fetch the inbox unless it is unchanged (called by sync). */
export async function refresh() {
  await sendReads();
  const etag = await db.meta.get(ETAG);
  let answer;
  try {
    answer = await api.call('GET', '/notifications', {
      withHeaders: true, headers: etag ? { 'If-None-Match': etag } : {},
    });
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 304) return;
    throw error;
  }
  const pending = new Set((await db.meta.get(READS)) ?? []);
  const read = now();
  await db.write([
    { store: 'notifications', clear: true },
    ...answer.data.map((notice) => ({
      store: 'notifications',
      put: pending.has(notice.id) && unread(notice) ? { ...notice, read_at: read } : notice,
    })),
    { store: 'meta', key: ETAG, put: answer.headers.get('ETag') },
  ]);
  changed();
}

/** Mark notifications read here and now; tell the server at once, or with the next sync. */
export async function markRead(ids) {
  const read = now();
  const notices = (await Promise.all(ids.map((id) => db.get('notifications', id)))).filter(
    (notice) => notice && unread(notice),
  );
  if (!notices.length) return;
  const pending = new Set((await db.meta.get(READS)) ?? []);
  notices.forEach((notice) => pending.add(notice.id));
  await db.write([
    ...notices.map((notice) => ({ store: 'notifications', put: { ...notice, read_at: read } })),
    { store: 'meta', key: READS, put: [...pending] },
  ]);
  changed();
  try {
    await sendReads();
  } catch (error) {
    console.info('read marks wait for the next sync', error.code);
  }
}

/** Mark everything on this device read. */
export async function markAllRead() {
  return markRead((await db.all('notifications')).filter(unread).map((notice) => notice.id));
}

/** Codes of notices about several tasks of one inspection, place and department. */
export const GROUPED = ['task.created', 'task.rechecked'];

/** Return where a notification leads: the inspection's written feedback, the task, the report. */
export function target(notice) {
  if (GROUPED.includes(notice.code) && notice.params.inspection_id) {
    return `/inspection/${notice.params.inspection_id}`;
  }
  if (notice.task_id) return `/task/${notice.task_id}`;
  return notice.code === 'coverage.gap' ? '/reports' : '/tasks';
}

/** Group notifications (newest first) by the device's local day: ``[{day, notices}]``. */
export function byDay(notices) {
  const days = [];
  for (const notice of notices) {
    const created = new Date(notice.created_at);
    const day = new Date(created.getFullYear(), created.getMonth(), created.getDate()).getTime();
    if (days.at(-1)?.day !== day) days.push({ day, notices: [] });
    days.at(-1).notices.push(notice);
  }
  return days;
}
