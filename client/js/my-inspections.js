/**
 * My inspections: what the signed-in user recorded, newest first — those still waiting
 * on this device to be sent, and those the server holds, each of which has its written feedback.
 * No DOM.
 */
import * as api from './api.js';
import * as outbox from './outbox.js';

const LIMIT = 50;

/** Summarise the outbox by inspection: {id, checklist_id, location_id, kind, started_at, failed}. */
export async function onDevice() {
  const groups = new Map();
  for (const record of await outbox.list()) {
    if (!groups.has(record.group)) groups.set(record.group, { id: record.group, ...record.context, failed: 0 });
    if (record.kind === 'finding' && record.body.result === 'fail') groups.get(record.group).failed += 1;
  }
  return [...groups.values()];
}

/** Summarise the server's list: failures are the current (not corrected) failed findings. */
function fromServer(inspection) {
  const failed = inspection.findings.filter((finding) => finding.verdict === 'fail' && !finding.superseded).length;
  return { ...inspection, failed, sent: true };
}

/**
 * Return {inspections, offline}: one list, newest first. An inspection the server holds is marked
 * ``sent`` (its report can be opened); ``waiting`` says some of its records are still on the device.
 * Offline, only what waits on the device is listed.
 */
export async function mine() {
  const local = await onDevice();
  const waiting = new Set(local.map((entry) => entry.id));
  let remote = [];
  let offline = false;
  try {
    remote = (await api.call('GET', `/inspections?mine=1&limit=${LIMIT}`)).map(fromServer);
  } catch (error) {
    if (!(error instanceof api.NetworkError)) throw error;
    offline = true;
  }
  const sent = new Set(remote.map((entry) => entry.id));
  const inspections = [...local.filter((entry) => !sent.has(entry.id)), ...remote]
    .map((entry) => ({ ...entry, waiting: waiting.has(entry.id) }))
    .sort((a, b) => b.started_at.localeCompare(a.started_at));
  return { inspections, offline };
}
