/**
 * Handwritten signatures: a drawing becomes a PNG that travels exactly like a photo (stored in
 * IndexedDB with its owner, named by its record with id, hash and size, uploaded when the server
 * asks). No DOM beyond a canvas to encode on, as photos.js.
 *
 * A signature value, in a record form's ``signature`` field or in a draft's ``signatures``, is
 * ``{name, photo_id, sha256, bytes, strokes}``: the printed name, the image's slot, and the
 * strokes (kept on the phone only, so the pad can show and undo them). A name without a drawing
 * is kept as ``{name}``: the server stores it, but it does not count as signed.
 */
import * as db from './db.js';
import { now } from './ids.js';
import { draw, trimmed } from './ink.js';
import * as photos from './photos.js';

export const ROLES = ['department', 'inspector'];

function canvas(width, height) {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  return Object.assign(document.createElement('canvas'), { width, height });
}

/** Encode the ink as a PNG on white, trimmed to its strokes and bounded in size. */
export async function toPng(ink) {
  const fit = trimmed(ink);
  const surface = canvas(fit.width, fit.height);
  const context = surface.getContext('2d');
  context.fillStyle = '#fff'; // white, not transparent: every viewer and the printed page agree
  context.fillRect(0, 0, fit.width, fit.height);
  draw(context, ink.strokes, { scale: fit.scale, originX: fit.originX, originY: fit.originY });
  const blob = surface.convertToBlob
    ? await surface.convertToBlob({ type: 'image/png' })
    : await new Promise((resolve) => surface.toBlob(resolve, 'image/png'));
  return { blob, width: fit.width, height: fit.height };
}

/**
 * Store the ink as the signature image of ``owner`` (a draft) under ``key``, replacing the image
 * of ``previous`` (a signature value); return the new value. Empty ink keeps only the name.
 */
export async function save(ink, previous, owner, key) {
  const name = previous?.name ?? '';
  let value = { name };
  if (!ink.empty) {
    const { blob, width, height } = await toPng(ink);
    const photo = await photos.fromDrawing(blob, width, height);
    await photos.store(photo, owner, key);
    value = { name, photo_id: photo.id, sha256: photo.sha256, bytes: photo.bytes, strokes: ink.toJSON() };
  }
  if (previous?.photo_id) await db.remove('photos', previous.photo_id);
  return value;
}

/** Return whether a value is a drawn signature (a legacy typed name counts, as on the server). */
export function signed(value) {
  if (value && typeof value === 'object') return Boolean(value.photo_id);
  return typeof value === 'string' && value.trim() !== '';
}

/** Return a signature value as pushed: no strokes; a bare name when nothing was drawn. */
export function body(value) {
  if (!value || typeof value !== 'object') return value;
  const name = (value.name ?? '').trim();
  if (!value.photo_id) return { name };
  return { name, photo_id: value.photo_id, sha256: value.sha256, bytes: value.bytes };
}

/** Return the feedback's drawn signatures of a draft, as the inspection pushes them. */
export function ofInspection(draft) {
  return ROLES.map((role) => [role, draft.signatures?.[role]])
    .filter(([, value]) => value?.photo_id)
    .map(([role, value]) => ({ role, ...body(value), signed_at: value.signed_at ?? now() }));
}

/** Return the photo ids of a record's drawn signatures. */
export function photoIdsOf(spec, fields) {
  return (spec?.fields ?? [])
    .filter((field) => field.type === 'signature' && fields[field.id]?.photo_id)
    .map((field) => fields[field.id].photo_id);
}

/** Return ops copying a stored record's signature images under new ids (a correction). */
export async function copyInto(fields) {
  const ops = [];
  for (const [id, value] of Object.entries(fields)) {
    if (!value?.photo_id) continue;
    const { ids: [fresh], ops: copyOps } = await photos.copyAll([value.photo_id]);
    fields[id] = { ...value, photo_id: fresh };
    ops.push(...copyOps);
  }
  return ops;
}
