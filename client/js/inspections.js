/**
 * Inspections on the device: drafts that survive a reload or a killed tab, and finishing a draft
 * into the outbox (with the same-day feedback's signatures, if drawn). Reopening: reopen.js.
 *
 * A draft is saved on every change. Its id is the inspection's id, and each answer (and each
 * record form, in ``records``) carries its own id from the first touch, so whatever is later
 * pushed has a stable identity.
 */
import * as checklists from './checklists.js';
import * as db from './db.js';
import { now, uuid } from './ids.js';
import * as outbox from './outbox.js';
import * as photos from './photos.js';
import * as forms from './records.js';
import * as signatures from './signatures.js';

let saving = Promise.resolve();

/** Start a draft inspection of a checklist version at a location. */
export async function start(summary, locationId, kind) {
  const draft = {
    id: uuid(), checklist_id: summary.id, checklist_version: summary.version,
    location_id: locationId, kind, started_at: now(), note: '', position: 0,
    answers: {}, records: [], inspection_synced: false, updated_at: now(),
  };
  await db.put('drafts', draft);
  return draft;
}

/** Return one draft. */
export const get = (id) => db.get('drafts', id);

/** Return every draft inspection, newest first (a recorder's unsaved logs are no inspections). */
export async function list() {
  const drafts = (await db.all('drafts')).filter((draft) => !draft.log);
  return drafts.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
}

/** Return the answer to an item, creating an empty one (with its finding id) if needed. */
export function answer(draft, itemId) {
  draft.answers[itemId] ??= {
    id: uuid(), supersedes_id: null, result: null, value: null, note: '', photos: [], recorded_at: null,
  };
  return draft.answers[itemId];
}

/** Save a draft; saves run in order, and ``flush()`` waits for the last one. */
export function save(draft) {
  draft.updated_at = now();
  const copy = structuredClone(draft);
  saving = saving.then(() => db.put('drafts', copy));
  return saving;
}

/** Wait until every save has reached the database. */
export const flush = () => saving;

/** Downscale and store a photo for an item, and name it in the answer. */
export async function addPhoto(draft, itemId, file, fromCamera) {
  const photo = await photos.prepare(file, fromCamera);
  await photos.store(photo, draft.id, itemId);
  answer(draft, itemId).photos.push(photo.id);
  await save(draft);
  return photo;
}

/** Take a photo off an item, answering its place; its bytes stay until ``forgetPhoto`` (undo). */
export async function removePhoto(draft, itemId, photoId) {
  const current = answer(draft, itemId);
  const index = current.photos.indexOf(photoId);
  current.photos = current.photos.filter((id) => id !== photoId);
  await save(draft);
  return index;
}

/** Put a removed photo back at its place (the user undid the removal). */
export async function restorePhoto(draft, itemId, photoId, index) {
  answer(draft, itemId).photos.splice(index, 0, photoId);
  await save(draft);
}

/** Delete a removed photo's bytes from the device (its removal was not undone). */
export const forgetPhoto = (photoId) => db.remove('photos', photoId);

async function orphanPhotoOps(draft, keep) {
  const inOutbox = new Set((await outbox.group(draft.id)).flatMap((record) => record.photos));
  return (await db.all('photos', 'owner', draft.id))
    .filter((photo) => !keep.has(photo.id) && !inOutbox.has(photo.id))
    .map((photo) => ({ store: 'photos', delete: photo.id }));
}

/** Move a finished draft into the outbox in one transaction (inspection first, then what it holds). */
export async function finish(draft, checklist) {
  await flush();
  const context = {
    checklist_id: draft.checklist_id, checklist_version: draft.checklist_version,
    location_id: draft.location_id, kind: draft.kind, started_at: draft.started_at,
  };
  const records = [];
  const signed = signatures.ofInspection(draft); // the same-day feedback's, drawn on finishing
  const kept = new Set(signed.map((signature) => signature.photo_id));
  if (!draft.inspection_synced) {
    const body = { id: draft.id, ...context, finished_at: now(), note: draft.note, ...(signed.length ? { signatures: signed } : {}) };
    records.push(outbox.entry('inspection', body, draft.id, context, [...kept]));
  }
  for (const item of checklists.items(checklist)) {
    const current = draft.answers[item.id];
    if (!checklists.isAnswered(item, current)) continue;
    current.photoRefs = await photos.refs(current.photos);
    current.photos.forEach((id) => kept.add(id));
    const body = checklists.findingBody(item, current, draft.id);
    records.push(outbox.entry('finding', body, draft.id, context, current.photos));
  }
  for (const record of draft.records ?? []) {
    const spec = forms.type(checklist, record.record_type);
    const images = signatures.photoIdsOf(spec, record.fields);
    images.forEach((id) => kept.add(id));
    records.push(outbox.entry('record', forms.body(record, draft, spec), draft.id, context, images));
  }
  await outbox.save(records, [{ store: 'drafts', delete: draft.id }, ...(await orphanPhotoOps(draft, kept))]);
}

/** Delete a draft and the photos only it uses (the user confirmed). */
export async function discard(draft) {
  await flush();
  await db.write([{ store: 'drafts', delete: draft.id }, ...(await orphanPhotoOps(draft, new Set()))]);
}
