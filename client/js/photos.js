/**
 * Photos on the device: downscale before storing, hash, and keep capture time and source.
 *
 * A phone camera's 12–50 MP JPEG becomes a JPEG with a long edge of at most 2048 px at quality
 * 0.8 (a few hundred KB), drawn upright: the EXIF orientation is applied while decoding, because
 * the re-encoded file carries no EXIF for the server to apply.
 */
import * as db from './db.js';
import { uuid } from './ids.js';
import * as marks from './marks.js';

const LONG_EDGE = 2048;
const QUALITY = 0.8;

/** Decode a picture file upright (EXIF orientation applied): an ImageBitmap, or an <img>. */
export async function decode(file) {
  try {
    return await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    // Older engines: an <img> applies the EXIF orientation by default (CSS image-orientation).
    const url = URL.createObjectURL(file);
    try {
      const image = new Image();
      image.src = url;
      await image.decode();
      return image;
    } finally {
      URL.revokeObjectURL(url);
    }
  }
}

/** Encode a JPEG of ``width``×``height`` that ``draw(context)`` paints. */
async function encode(width, height, draw) {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(width, height);
    draw(canvas.getContext('2d'));
    return canvas.convertToBlob({ type: 'image/jpeg', quality: QUALITY });
  }
  const canvas = document.createElement('canvas');
  Object.assign(canvas, { width, height });
  draw(canvas.getContext('2d'));
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY));
}

/** Return the lowercase hex sha256 of a blob (crypto.subtle: needs HTTPS or localhost). */
export async function sha256(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Downscale, encode and hash a picked file; return the photo record (not yet stored). */
export async function prepare(file, fromCamera) {
  const source = await decode(file);
  const longEdge = Math.max(source.width, source.height);
  const scale = Math.min(1, LONG_EDGE / longEdge);
  const width = Math.round(source.width * scale);
  const height = Math.round(source.height * scale);
  const blob = await encode(width, height, (context) => context.drawImage(source, 0, 0, width, height));
  source.close?.();
  const takenAt = new Date(file.lastModified || Date.now()).toISOString();
  return record(blob, width, height, { taken_at: takenAt, from_camera: fromCamera });
}

async function record(blob, width, height, extra) {
  return {
    id: uuid(), blob, type: 'image/jpeg', sha256: await sha256(blob), bytes: blob.size, width, height, uploaded: false,
    ...extra,
  };
}

/**
 * Draw ``shapes`` (marks.js) on a stored photo at its stored resolution; return the marked copy
 * (not yet stored), which names its original and keeps the shapes to be edited again.
 */
export async function prepareMarked(original, shapes) {
  const source = await decode(original.blob);
  const { width, height } = source;
  const blob = await encode(width, height, (context) => {
    context.drawImage(source, 0, 0, width, height);
    marks.render(context, shapes, width, height);
  });
  source.close?.();
  return record(blob, width, height, {
    taken_at: original.taken_at, from_camera: original.from_camera, original_id: original.id, marks: shapes,
  });
}

/** Return the photo record of an image drawn on the device (a signature's PNG), not yet stored. */
export function fromDrawing(blob, width, height) {
  return record(blob, width, height, { type: blob.type, taken_at: new Date().toISOString(), from_camera: false });
}

/** Store a photo for an inspection (``owner``) and one of its items. */
export function store(photo, owner, itemId) {
  return db.put('photos', { ...photo, owner, item_id: itemId });
}

/** Return a stored photo. */
export const get = (id) => db.get('photos', id);

/** Return the ``{id, sha256, bytes}`` slots a finding names (a marked copy adds ``original_id``). */
export async function refs(ids) {
  const photos = await Promise.all(ids.map(get));
  return photos.filter(Boolean).map(({ id, sha256: hash, bytes, original_id: original }) => (
    original ? { id, sha256: hash, bytes, original_id: original } : { id, sha256: hash, bytes }));
}

/**
 * Copy photos under new ids (a correction may not reuse the ids of a stored finding); a marked
 * copy then names its original's new id. Return the new ids and the writes to make.
 */
export async function copyAll(ids) {
  const renamed = new Map(ids.map((id) => [id, uuid()]));
  const ops = [];
  for (const id of ids) {
    const photo = await get(id);
    const fresh = { ...photo, id: renamed.get(id), uploaded: false };
    if (photo?.original_id) fresh.original_id = renamed.get(photo.original_id) ?? photo.original_id;
    ops.push({ store: 'photos', put: fresh }, { store: 'photos', delete: id });
  }
  return { ids: [...renamed.values()], ops };
}
