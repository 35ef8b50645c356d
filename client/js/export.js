/**
 * "Export unsent data": everything the server has not confirmed, as ONE JSON file with the photos
 * inlined as base64 — the way out when a phone cannot sync for days (a lost password, a server
 * move). An admin imports it with ``wardwalk import-outbox`` or ``POST /sync/import``, which
 * store it exactly once, as a push would (docs/sync.md, "Outbox export"). No DOM; exporting
 * changes nothing on the phone.
 *
 * JSON rather than a zip: a phone writes it with nothing but ``JSON.stringify`` and ``btoa``, an
 * admin can read it in any editor, and the server parses it with the standard library. Base64
 * costs a third more bytes; the photos are already downscaled JPEGs of a few hundred KB.
 */
import * as db from './db.js';
import { now } from './ids.js';
import { workerVersion } from './updates.js';

export const FORMAT = 'wardwalk-unsent/1';

async function base64(blob) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  }
  return btoa(binary);
}

/**
 * Return the export as a plain object: the outbox records in the order recorded (each with the
 * body a push would send), the drafts (unfinished, for people to read; never imported) and
 * every photo on the phone with its bytes, type, size and sha256.
 */
export async function unsentDocument() {
  const [outbox, drafts, photos, user, deviceId, appVersion] = await Promise.all([
    db.all('outbox', 'seq'), db.all('drafts'), db.all('photos'), db.meta.get('user'),
    db.meta.get('deviceId'), workerVersion(),
  ]);
  return {
    format: FORMAT,
    exported_at: now(),
    device_id: deviceId,
    app_version: appVersion,
    user: user ? { id: user.id, username: user.username, display_name: user.display_name } : null,
    outbox,
    drafts,
    photos: await Promise.all(photos.map(async ({ blob, ...photo }) => ({ ...photo, data_base64: await base64(blob) }))),
  };
}

/** Return the export as a Blob, ready to save or share. */
export async function unsentData() {
  return new Blob([JSON.stringify(await unsentDocument(), null, 1)], { type: 'application/json' });
}

/** Return the file name for an export made now. */
export function fileName() {
  return `wardwalk-unsent-${now().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}.json`;
}
