/**
 * "Export unsent data": everything not yet confirmed by the server, as one JSON file with the
 * photos inlined as base64 — an escape hatch when a phone cannot sync (lost account, no network
 * for days, a bug). An administrator can read it, or push it with a script.
 */
import * as db from './db.js';
import { now } from './ids.js';

async function base64(blob) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  }
  return btoa(binary);
}

/** Return a Blob of the outbox, the drafts and their photos. */
export async function unsentData() {
  const [outbox, drafts, photos, user, deviceId] = await Promise.all([
    db.all('outbox', 'seq'), db.all('drafts'), db.all('photos'), db.meta.get('user'), db.meta.get('deviceId'),
  ]);
  const exported = {
    format: 'wardwalk-unsent/1',
    exported_at: now(),
    device_id: deviceId,
    user: user ? { id: user.id, username: user.username } : null,
    outbox,
    drafts,
    photos: await Promise.all(photos.map(async ({ blob, ...photo }) => ({ ...photo, data_base64: await base64(blob) }))),
  };
  return new Blob([JSON.stringify(exported, null, 1)], { type: 'application/json' });
}

/** Return the file name for an export made now. */
export function fileName() {
  return `wardwalk-unsent-${now().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}.json`;
}
