/**
 * The sending half of a sync: push the outbox in batches, then upload the photos the server
 * still misses, one by one. No DOM, no retries (sync.js schedules those); throws on network
 * errors, 401, 408, 429 and 5xx, and settles every other answer into the outbox.
 */
import * as api from './api.js';
import * as db from './db.js';
import * as outbox from './outbox.js';
import * as refdata from './refdata.js';

const BATCH_RECORDS = 100;
const BATCH_BYTES = 4_000_000; // under the server's 5 MB per push
const LISTS = { inspection: 'inspections', finding: 'findings', record: 'records' };

/** Take the oldest records that fit in one push by count and by size. */
function takeBatch(records, size) {
  const batch = [];
  let bytes = 0;
  for (const record of records) {
    const length = JSON.stringify(record.body).length;
    if (batch.length && (batch.length >= size || bytes + length > BATCH_BYTES)) break;
    batch.push(record);
    bytes += length;
  }
  return batch;
}

/** Push every queued or sending record; ``onProgress()`` is called for each answer received. */
export async function pushAll(onProgress) {
  const deviceId = await db.meta.get('deviceId');
  let records = await outbox.pending();
  let size = BATCH_RECORDS;
  while (records.length) {
    const batch = takeBatch(records, size);
    const payload = { device_id: deviceId, inspections: [], findings: [], records: [] };
    for (const record of batch) payload[LISTS[record.kind]].push(record.body);
    await outbox.markSending(batch);
    let answer;
    try {
      answer = await api.push(payload);
    } catch (error) {
      if (!(error instanceof api.ApiError) || error.retryable || error.status === 401) throw error;
      if (error.status === 413 && batch.length > 1) {
        size = Math.max(1, Math.floor(batch.length / 2));
        continue;
      }
      await outbox.rejectAll(batch, error.code, error.errors); // the server refused the push itself
      records = records.slice(batch.length);
      continue;
    }
    onProgress();
    await outbox.settle(batch, answer.results, answer.missing_photos);
    const where = new Map(batch.map((record) => [record.id, record.context.location_id]));
    await refdata.rememberTasks(answer.tasks, where);
    records = records.slice(batch.length);
  }
}

/** Upload the photos that stored records still wait for; ``onProgress({done, total})``. */
export async function uploadPhotos(onProgress) {
  const sending = (await outbox.list()).filter((record) => record.state === 'sending');
  const wanted = [...new Set(sending.flatMap((record) => record.awaiting))];
  let done = 0;
  for (const photoId of wanted) {
    onProgress({ done, total: wanted.length });
    const photo = await db.get('photos', photoId);
    if (!photo) {
      await outbox.photoRejected(photoId, 'photo.missing_local');
    } else {
      try {
        await api.putPhoto(photo);
        await outbox.photoStored(photoId);
      } catch (error) {
        if (api.isRetryable(error) || error.status === 401) throw error;
        await outbox.photoRejected(photoId, error.code);
      }
    }
    done += 1;
    onProgress({ done, total: wanted.length });
  }
}
