/**
 * The only module that touches IndexedDB (through the vendored idb).
 *
 * The schema is versioned with cumulative upgrade steps: step n takes a database from version n
 * to n + 1, so a phone that skipped releases runs every step it missed. A step may add stores and
 * indexes or move data; it never deletes a store that holds what the user recorded.
 */
import { openDB } from '../vendor/idb/index.js';

const NAME = 'wardwalk';

const UPGRADES = [
  // 0 → 1: the first schema.
  (database) => {
    database.createObjectStore('meta'); // token, user, device id, pull cursor and epoch, last sync, language
    database.createObjectStore('catalog', { keyPath: 'id' }); // current checklist summaries
    database.createObjectStore('checklists', { keyPath: ['id', 'version'] }); // definitions
    database.createObjectStore('locations', { keyPath: 'id' });
    database.createObjectStore('departments', { keyPath: 'id' });
    database.createObjectStore('tasks', { keyPath: 'id' }).createIndex('location_id', 'location_id');
    database.createObjectStore('drafts', { keyPath: 'id' }); // inspections in progress
    const outbox = database.createObjectStore('outbox', { keyPath: 'id' });
    outbox.createIndex('seq', 'seq');
    outbox.createIndex('group', 'group');
    database.createObjectStore('photos', { keyPath: 'id' }).createIndex('owner', 'owner');
  },
  // 1 → 2: the inbox (the user's notifications, as last fetched).
  (database) => {
    database.createObjectStore('notifications', { keyPath: 'id' });
  },
];

/** Stores that hold reference data from the server (safe to clear when another user logs in). */
export const REFERENCE_STORES = ['catalog', 'locations', 'departments', 'tasks', 'notifications'];

let opening = null;

/** Open (and upgrade) the database once per page. */
export function open() {
  opening ??= openDB(NAME, UPGRADES.length, {
    upgrade(database, oldVersion, _newVersion, transaction) {
      for (let step = oldVersion; step < UPGRADES.length; step += 1) {
        UPGRADES[step](database, transaction);
      }
    },
    // A newer tab wants to upgrade: let it, and reload this one onto the new code later.
    blocking() {
      opening?.then((database) => database.close());
      opening = null;
    },
  });
  return opening;
}

/*
 * WebKit keeping no data (private browsing, some web views) refuses Blobs in IndexedDB ("Error
 * preparing Blob/File data…"): there a photo is stored as ``{buffer: ArrayBuffer, type}``, and
 * every read turns it back into a ``blob``, so no other module knows the difference.
 */
let blobsKept = null; // true or false once probed
let probing = null;

/** Whether this engine stores Blobs in IndexedDB: asked once, when the first photo is written. */
function probeBlobs() {
  probing ??= open().then((database) => database.put('meta', new Blob(['probe']), 'blob-probe'))
    .then(() => remove('meta', 'blob-probe'))
    .then(() => { blobsKept = true; }, (error) => {
      console.warn('IndexedDB refuses Blobs here; photos are stored as ArrayBuffers', error);
      blobsKept = false;
    });
  return probing;
}

/** Whether a value may need converting (a photo's Blob, before the probe said Blobs are fine). */
const unsure = (store, value) => store === 'photos' && value?.blob instanceof Blob && blobsKept !== true;

/** The form of a photo this engine can store (its Blob as an ArrayBuffer where needed). */
async function storable(value) {
  await probeBlobs();
  if (blobsKept) return value;
  const { blob, ...photo } = value;
  return { ...photo, buffer: await blob.arrayBuffer(), type: blob.type || photo.type };
}

/** A stored value as the rest of the app knows it (a photo always with its ``blob``). */
function revived(store, value) {
  if (store !== 'photos' || !(value?.buffer instanceof ArrayBuffer)) return value;
  const { buffer, ...photo } = value;
  return { ...photo, blob: new Blob([buffer], { type: photo.type }) };
}

/** Return one value by key. */
export async function get(store, key) {
  return revived(store, await (await open()).get(store, key));
}

/** Return every value of a store, or of one index (ordered by it), optionally for one key. */
export async function all(store, index, query) {
  const database = await open();
  const values = await (index ? database.getAllFromIndex(store, index, query) : database.getAll(store));
  return values.map((value) => revived(store, value));
}

/** Count the values of a store, or of one index key. */
export async function count(store, index, query) {
  const database = await open();
  return index ? database.countFromIndex(store, index, query) : database.count(store);
}

/** Store one value (``key`` only for stores without a key path, like meta). */
export async function put(store, value, key) {
  const stored = unsure(store, value) ? await storable(value) : value;
  return (await open()).put(store, stored, key);
}

/** Delete one value by key. */
export async function remove(store, key) {
  return (await open()).delete(store, key);
}

/**
 * Apply several writes atomically: ``[{store, put, key?} | {store, delete} | {store, clear}]``.
 *
 * Moving a finished inspection from drafts into the outbox, a pull page and its cursor, or a
 * fresh inbox replacing the old one, must never half-happen when a tab is killed.
 */
export async function write(ops) {
  const database = await open();
  const stores = [...new Set(ops.map((op) => op.store))];
  if (!stores.length) return;
  // Converted before the transaction starts (it would commit during an await); with no await
  // otherwise, so transactions still start in the order they were asked for.
  const convert = (op) => (unsure(op.store, op.put) ? storable(op.put) : op.put);
  const values = ops.some((op) => unsure(op.store, op.put)) ? await Promise.all(ops.map(convert)) : ops.map((op) => op.put);
  const transaction = database.transaction(stores, 'readwrite');
  ops.forEach((op, index) => {
    const store = transaction.objectStore(op.store);
    if (op.clear) store.clear();
    else if ('delete' in op) store.delete(op.delete);
    else if (op.key !== undefined) store.put(values[index], op.key);
    else store.put(values[index]);
  });
  await transaction.done;
}

/** Empty stores in one transaction. */
export async function clear(stores) {
  const database = await open();
  const transaction = database.transaction(stores, 'readwrite');
  await Promise.all([...stores.map((name) => transaction.objectStore(name).clear()), transaction.done]);
}

/** Key-value settings of this device. */
export const meta = {
  get: (key) => get('meta', key),
  set: (key, value) => put('meta', value, key),
  remove: (key) => remove('meta', key),
};
