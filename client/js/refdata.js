/**
 * Reference data from the server: pull changes by cursor, fetch checklist definitions. No DOM.
 *
 * Each pull page is written together with its cursor and epoch in one transaction, so a tab killed
 * mid-way never skips a change and never applies one twice in a way that matters (upserts are
 * replaces).
 */
import * as api from './api.js';
import * as db from './db.js';

const STORES = { task: 'tasks', location: 'locations', department: 'departments', checklist: 'catalog' };

function changeOp(change) {
  const store = STORES[change.kind];
  if (!store) return null;
  const key = store === 'catalog' ? change.data.id : Number(change.data.id);
  return change.op === 'delete' ? { store, delete: key } : { store, put: change.data };
}

/**
 * Pull every page of changes since the stored cursor; ``onProgress`` sees each answer.
 *
 * A cursor means something only in one history of the server's change log, which the answer
 * names (``epoch``). Another epoch than the stored one means the server was restored from a
 * backup: this device may hold tasks it lost, so the device forgets its reference data and pulls
 * from 0. (A device that never stored an epoch does that once.)
 */
export async function pull(onProgress = () => {}) {
  let cursor = (await db.meta.get('cursor')) ?? 0;
  let epoch = await db.meta.get('epoch');
  for (;;) {
    const page = await api.pull(cursor);
    onProgress();
    if (cursor !== 0 && page.epoch !== epoch) {
      await reset();
      cursor = 0;
      continue;
    }
    const ops = page.changes.map(changeOp).filter(Boolean);
    ops.push({ store: 'meta', key: 'cursor', put: page.cursor }, { store: 'meta', key: 'epoch', put: page.epoch });
    await db.write(ops);
    cursor = page.cursor;
    epoch = page.epoch;
    if (!page.more) return;
  }
}

/** Download the definitions of current checklist versions this device does not have yet. */
export async function fetchChecklists(onProgress = () => {}) {
  for (const summary of await db.all('catalog')) {
    if (await db.get('checklists', [summary.id, summary.version])) continue;
    const definition = await api.checklist(summary.id, summary.version);
    onProgress();
    await db.put('checklists', definition);
  }
}

/** Keep the tasks a push answer names until the next pull brings them in full. */
export async function rememberTasks(tasks, locationByFinding) {
  const ops = [];
  for (const task of tasks) {
    const known = await db.get('tasks', task.id);
    const location_id = known?.location_id ?? locationByFinding.get(task.finding_id ?? task.record_id);
    ops.push({ store: 'tasks', put: { ...known, ...task, location_id } });
  }
  await db.write(ops);
}

/** Forget another user's reference data (and inbox) and start pulling from the beginning. */
export async function reset() {
  await db.clear(db.REFERENCE_STORES);
  for (const key of ['cursor', 'inbox.etag', 'inbox.reads']) await db.meta.remove(key);
}
