/**
 * Problems from outside the walk (a city notice, a third-party or unannounced visit): a
 * supervisor enters one with its reference number and may apply it alike (ju yi fan san) to every
 * place of the same use. No DOM.
 *
 * This is an online action, like evidence: the report and its photos go straight to the server,
 * under an id made when the form opens, so resending after a lost answer records it once. (The
 * outbox carries what a walk records through /sync/push; a report is a task the server opens
 * and routes, which a phone cannot do on its own.) The copies come with the next pull.
 */
import * as api from './api.js';
import * as db from './db.js';

/** Upload prepared photos (see photos.prepare); a photo already stored answers 200. */
async function upload(photos, onProgress) {
  for (const [index, photo] of photos.entries()) {
    onProgress?.(index, photos.length);
    await api.putPhoto(photo);
  }
}

/**
 * Send the report ``{id, locationId, description, severity, sourceRef, sameUse, photos}``;
 * answer the task it opened (kept on the device, so the list shows it at once).
 */
export async function report(form, onProgress) {
  await upload(form.photos, onProgress);
  const task = await api.call('POST', '/tasks', {
    json: {
      id: form.id,
      location_id: form.locationId,
      description: form.description,
      severity: form.severity,
      source: 'external',
      source_ref: form.sourceRef,
      photo_ids: form.photos.map((photo) => photo.id),
      ...(form.sameUse ? { apply_to: 'same_use' } : {}),
    },
  });
  const { failures, submissions, assignee_name: assigneeName, copy_ids: copies, ...lean } = task;
  await db.put('tasks', lean);
  return task;
}
