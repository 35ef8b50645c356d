/**
 * Reopening rejected records: an inspection's refused (and still queued) records go back into a
 * draft to fix and resend, with their photos and signature images. No DOM.
 */
import * as db from './db.js';
import { now, uuid } from './ids.js';
import * as outbox from './outbox.js';
import * as photos from './photos.js';
import * as forms from './records.js';
import * as signatures from './signatures.js';

/**
 * Take an inspection's rejected (and still queued) records back into a draft to fix and resend.
 *
 * A record the server never stored is resent under its own id. One it did store (a conflict, or
 * a photo it refused) becomes a correction: a new finding that supersedes it, with its photos
 * copied under new ids, because a stored id can never carry other content.
 */
export async function reopen(groupId) {
  const records = (await outbox.group(groupId)).filter((record) => record.state !== 'sending');
  if (!records.length) return null;
  const inspection = records.find((record) => record.kind === 'inspection');
  const draft = {
    id: groupId, ...records[0].context, note: inspection?.body.note ?? '', position: 0,
    answers: {}, records: records.filter((r) => r.kind === 'record').map(forms.restore),
    inspection_synced: !inspection || inspection.stored, updated_at: now(),
    signatures: Object.fromEntries((inspection?.body.signatures ?? []).map((signature) => [signature.role, signature])),
  };
  const ops = outbox.takeOps(records);
  for (const [index, entry] of records.filter((r) => r.kind === 'record').entries()) {
    if (entry.stored) ops.push(...(await signatures.copyInto(draft.records[index].fields)));
  }
  for (const record of records.filter((r) => r.kind === 'finding')) {
    const body = record.body;
    const restored = {
      id: body.id, supersedes_id: body.supersedes_id ?? null, result: body.result, value: body.value,
      note: body.note, photos: record.photos, recorded_at: body.recorded_at, rejected: record.code,
    };
    if (record.stored) {
      const { ids, ops: copyOps } = await photos.copyAll(record.photos);
      Object.assign(restored, { id: uuid(), supersedes_id: body.id, photos: ids });
      ops.push(...copyOps);
    }
    draft.answers[body.item_id] = restored;
  }
  await db.write([...ops, { store: 'drafts', put: draft }]);
  outbox.notify();
  return draft;
}
