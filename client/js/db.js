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

/** Return one value by key. */
export async function get(store, key) {
  return (await open()).get(store, key);
}

/** Return every value of a store, or of one index (ordered by it), optionally for one key. */
export async function all(store, index, query) {
  const database = await open();
  return index ? database.getAllFromIndex(store, index, query) : database.getAll(store);
}

/** Count the values of a store, or of one index key. */
export async function count(store, index, query) {
  const database = await open();
  return index ? database.countFromIndex(store, index, query) : database.count(store);
}

/** Store one value (``key`` only for stores without a key path, like meta). */
export async function put(store, value, key) {
  return (await open()).put(store, value, key);
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
  const transaction = database.transaction(stores, 'readwrite');
  for (const op of ops) {
    const store = transaction.objectStore(op.store);
    if (op.clear) store.clear();
    else if ('delete' in op) store.delete(op.delete);
    else if (op.key !== undefined) store.put(op.put, op.key);
    else store.put(op.put);
  }
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
