/**
 * The outbox: what the device recorded and the server has not confirmed. No DOM; emits "change".
 *
 * Each record is a state machine: queued → sending → done | rejected.
 * - queued: waiting for a push.
 * - sending: pushed at least once without a final answer, or stored by the server while some of
 *   its photos have not arrived (``awaiting``). A sending record is pushed again: the server
 *   answers "duplicate" and names the photos it still misses, so a lost answer costs nothing.
 * - done: the server confirmed the record and every photo; the local copy is deleted right then.
 * - rejected: the server refused it (or conflicts); it stays, with its code, until the user
 *   reopens it for correction or deletes it. It is never pushed again on its own.
 */
import * as db from './db.js';
import { now } from './ids.js';

export const events = new EventTarget();
const changed = () => events.dispatchEvent(new Event('change'));

let counter = 0;

/** Return a new outbox record for ``body`` (an inspection, finding or record as pushed). */
export function entry(kind, body, group, context, photoIds = []) {
  counter = (counter + 1) % 1000;
  return {
    id: body.id, kind, body, group, context, photos: photoIds,
    state: 'queued', seq: Date.now() * 1000 + counter,
    stored: false, awaiting: [], code: null, errors: null, updated_at: now(),
  };
}

/** Return every record in the order it was recorded. */
export const list = () => db.all('outbox', 'seq');

/** Return the records a sync should push (queued or sending), oldest first. */
export async function pending() {
  return (await list()).filter((record) => record.state === 'queued' || record.state === 'sending');
}

/** Return the records of one inspection. */
export const group = (groupId) => db.all('outbox', 'group', groupId);

/**
 * Count what waits and what was rejected; also what waits as people count it: inspections, and
 * the items (answers and record forms) they hold.
 */
export async function counts() {
  const records = await list();
  const waitingRecords = records.filter((record) => record.state !== 'rejected');
  return {
    waiting: waitingRecords.length,
    rejected: records.length - waitingRecords.length,
    inspections: new Set(waitingRecords.map((record) => record.group)).size,
    items: waitingRecords.filter((record) => record.kind !== 'inspection').length,
  };
}

/** Write records (and any other ops) in one transaction, then tell listeners. */
export async function save(records, extraOps = []) {
  const stamp = now();
  await db.write([
    ...records.map((record) => ({ store: 'outbox', put: { ...record, updated_at: stamp } })),
    ...extraOps,
  ]);
  changed();
}

function doneOps(record) {
  return [
    { store: 'outbox', delete: record.id },
    ...record.photos.map((photoId) => ({ store: 'photos', delete: photoId })),
  ];
}

/** Mark records as being sent (before the request, so a killed tab resends them). */
export function markSending(records) {
  return save(records.map((record) => ({ ...record, state: 'sending' })));
}

/** Apply a push answer: confirm, wait for photos, or reject each record. */
export async function settle(records, results, missingPhotos) {
  const byId = new Map(records.map((record) => [record.id, record]));
  const missing = new Set(missingPhotos);
  const kept = [];
  const ops = [];
  for (const result of results) {
    const record = byId.get(result.id);
    if (!record) continue;
    if (result.status === 'created' || result.status === 'duplicate') {
      const awaiting = record.photos.filter((photoId) => missing.has(photoId));
      if (awaiting.length) kept.push({ ...record, state: 'sending', stored: true, awaiting });
      else ops.push(...doneOps(record));
    } else {
      kept.push({
        ...record,
        state: 'rejected',
        stored: record.stored || result.status === 'conflict',
        code: result.code || `sync.${result.status}`,
        errors: result.errors || {},
      });
    }
  }
  await save(kept, ops);
}

/** Reject records for a reason that concerns them all (e.g. the whole push was refused). */
export function rejectAll(records, code, errors = {}) {
  return save(records.map((record) => ({ ...record, state: 'rejected', code, errors })));
}

/** Record that the server has a photo; a record whose photos have all arrived is done. */
export async function photoStored(photoId) {
  const records = (await list()).filter((record) => record.awaiting.includes(photoId));
  const kept = [];
  const ops = [];
  for (const record of records) {
    const awaiting = record.awaiting.filter((id) => id !== photoId);
    if (awaiting.length) kept.push({ ...record, awaiting });
    else ops.push(...doneOps(record));
  }
  const photo = await db.get('photos', photoId);
  if (photo && !ops.some((op) => op.delete === photoId)) {
    ops.push({ store: 'photos', put: { ...photo, uploaded: true } });
  }
  await save(kept, ops);
}

/** Reject the records waiting for a photo the server refused. */
export async function photoRejected(photoId, code) {
  const records = (await list()).filter((record) => record.awaiting.includes(photoId));
  await rejectAll(records, code, { photos: [photoId] });
}

/** Delete an inspection's remaining records and their photos (the user confirmed). */
export async function discardGroup(groupId) {
  const records = await group(groupId);
  await save([], records.flatMap(doneOps));
}

/** Return ops that remove records from the outbox without touching their photos. */
export function takeOps(records) {
  return records.map((record) => ({ store: 'outbox', delete: record.id }));
}

/** Tell listeners the outbox changed (after another module's atomic write). */
export const notify = changed;
