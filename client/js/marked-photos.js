/**
 * An item's photos with their marked copies, on the device: a marked copy (marks drawn on a
 * photo) is stored beside its untouched original, names it (``original_id``) and keeps its shapes
 * so that marking again starts from the original with the shapes still editable until the
 * inspection is finished. No DOM.
 */
import * as inspections from './inspections.js';
import * as photos from './photos.js';

/**
 * Group stored photos (in the answer's order) as ``[{photo, copy}]``: each original once, with
 * its marked copy if it has one. A copy whose original is gone is shown on its own.
 */
export function pairs(stored) {
  const originals = new Set(stored.map((photo) => photo.id));
  const copies = new Map(stored.filter((p) => p.original_id && originals.has(p.original_id)).map((p) => [p.original_id, p]));
  return stored
    .filter((photo) => !(photo.original_id && originals.has(photo.original_id)))
    .map((photo) => ({ photo, copy: copies.get(photo.id) ?? null }));
}

/**
 * Replace the marked copy of an item's photo ``original`` with one drawn from ``shapes`` (none:
 * the photo goes back to unmarked). The copy stands just before its original in the answer.
 */
export async function save(draft, itemId, original, previous, shapes) {
  const answer = inspections.answer(draft, itemId);
  const ids = answer.photos.filter((id) => id !== previous?.id);
  if (shapes.length) {
    const copy = await photos.prepareMarked(original, shapes);
    await photos.store(copy, draft.id, itemId);
    ids.splice(Math.max(0, ids.indexOf(original.id)), 0, copy.id);
  }
  answer.photos = ids;
  await inspections.save(draft);
  if (previous) await inspections.forgetPhoto(previous.id);
}

/** Take a photo and its marked copy off an item; return how to put them back (undo). */
export async function remove(draft, itemId, { photo, copy }) {
  const removed = [];
  for (const id of [photo.id, copy?.id].filter(Boolean)) {
    removed.unshift({ id, index: await inspections.removePhoto(draft, itemId, id) });
  }
  return removed;
}

/** Put removed photos back where they were (``removed`` as ``remove`` returned it). */
export async function restore(draft, itemId, removed) {
  for (const { id, index } of removed) await inspections.restorePhoto(draft, itemId, id, index);
}
