/**
 * Logs a recorder keeps at their places (record forms without an inspection). No DOM.
 *
 * A checklist's record form says where it is kept (``applies_to``: place uses) and how often
 * (``expected: {per: day, count}``). Today's count at a place joins the logs still in the outbox
 * with those the server confirmed (``GET /records``, remembered for offline use), by id, so a log
 * counts once whether or not it has synced. A log is filled in a draft (``log: true``) so the
 * record-form screen and its saved-on-every-keystroke input serve it as they serve a visit; saving
 * moves it to the outbox with no inspection.
 */
import * as api from './api.js';
import * as checklists from './checklists.js';
import * as db from './db.js';
import { now, uuid } from './ids.js';
import * as inspections from './inspections.js';
import * as outbox from './outbox.js';
import * as forms from './records.js';
import * as signatures from './signatures.js';

const KEPT = 'keptLogs'; // meta key: the logs the server confirmed today, as last fetched

/** Return the local day (YYYY-MM-DD) of an ISO moment, on this device's clock. */
const localDay = (iso) => {
  const moment = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`;
};

/** Return every current record form with the checklist (id, version) that defines it. */
export async function allForms() {
  const found = [];
  for (const summary of await checklists.available()) {
    const checklist = await checklists.definition(summary.id, summary.version);
    for (const spec of forms.types(checklist)) found.push({ summary, spec });
  }
  return found;
}

/** Return the forms kept at a place of ``use``: those whose ``applies_to`` names it. */
export const formsAt = (all, use) => all.filter(({ spec }) => (spec.applies_to ?? []).includes(use));

/** Fetch the logs kept since local midnight (when online) and remember them for offline use. */
export async function refresh() {
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  try {
    const kept = await api.call('GET', `/records?since=${encodeURIComponent(midnight.toISOString())}&limit=500`);
    await db.meta.set(KEPT, kept.map(({ id, location_id, record_type, recorded_at }) => ({ id, location_id, record_type, recorded_at })));
  } catch (error) {
    if (!api.isRetryable(error)) throw error; // offline: what was remembered still counts
  }
}

/** Return today's count of each (place, form): ``"<location_id>/<record_type>"`` → n. */
export async function todayCounts() {
  const today = localDay(now());
  const logs = new Map();
  for (const log of (await db.meta.get(KEPT)) ?? []) logs.set(log.id, log);
  for (const entry of await outbox.list()) {
    if (entry.kind === 'record' && entry.body.inspection_id === null) logs.set(entry.id, entry.body);
  }
  const counts = new Map();
  for (const log of logs.values()) {
    if (localDay(log.recorded_at) !== today) continue;
    const key = `${log.location_id}/${log.record_type}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Start a log of a form at a place: a draft holding one empty record; return both ids. */
export async function start(summary, spec, locationId) {
  const draft = {
    id: uuid(), log: true, checklist_id: summary.id, checklist_version: summary.version,
    location_id: locationId, kind: 'self', started_at: now(), note: '', position: 0,
    answers: {}, records: [], inspection_synced: true, updated_at: now(),
  };
  const record = forms.add(draft, spec.id);
  await db.put('drafts', draft);
  return { draftId: draft.id, recordId: record.id };
}

/** Move a saved log into the outbox, with no inspection, and drop its draft (one transaction). */
export async function finish(draft, spec) {
  await inspections.flush();
  const [record] = draft.records;
  const body = { ...forms.body(record, draft, spec), inspection_id: null };
  const context = { checklist_id: draft.checklist_id, checklist_version: draft.checklist_version, location_id: draft.location_id };
  const images = signatures.photoIdsOf(spec, record.fields);
  await outbox.save([outbox.entry('record', body, draft.id, context, images)], [{ store: 'drafts', delete: draft.id }]);
}
