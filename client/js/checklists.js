/**
 * Reading checklist definitions: items in order, the device's provisional verdict, photo rules.
 *
 * The server judges every finding again against the same version; the verdict here only guides
 * the inspector (a number out of range shows as failing, a failing item asks for its photo).
 */
import * as db from './db.js';

/** Return the current checklists (summaries), ordered by id. */
export async function available() {
  const summaries = await db.all('catalog');
  return summaries.sort((a, b) => a.id.localeCompare(b.id));
}

/** Return one stored definition. */
export function definition(id, version) {
  return db.get('checklists', [id, version]);
}

/**
 * Whether a section or item is asked at a place of ``use`` (as server/domain/uses.py decides):
 * no ``applies_to`` means everywhere; a place of unknown use or a whole building/floor
 * (``mixed``) is asked everything.
 */
export function applies(node, use) {
  return !node.applies_to?.length || !use || use === 'mixed' || node.applies_to.includes(use);
}

/**
 * Return the items in order, each with its section and position; with ``use`` only those asked
 * at a place of that use (unless ``all``). Positions count in the returned list.
 */
export function items(checklist, { use = null, all = true } = {}) {
  const list = [];
  for (const section of checklist.sections) {
    if (!all && !applies(section, use)) continue;
    for (const item of section.items) {
      if (all || applies(item, use)) list.push({ ...item, section, index: list.length });
    }
  }
  return list;
}

/** Return the items a draft's walk offers: those of its place's use, or all if it shows all. */
export async function walkItems(draft, checklist) {
  const location = await db.get('locations', draft.location_id);
  return items(checklist, { use: location?.use ?? null, all: Boolean(draft.show_all) });
}

/** Whether the answer holds anything worth sending. */
export function isAnswered(item, answer) {
  if (!answer) return false;
  if (answer.result === 'na') return true;
  if (item.type === 'pass_fail') return answer.result === 'pass' || answer.result === 'fail';
  if (item.type === 'text') return typeof answer.value === 'string' && answer.value.trim() !== '';
  return answer.value !== null && answer.value !== undefined && answer.value !== '';
}

/** Return the provisional verdict: 'pass', 'fail', 'na', 'noted' (text) or null (unanswered). */
export function verdict(item, answer) {
  if (!isAnswered(item, answer)) return null;
  if (answer.result === 'na') return 'na';
  switch (item.type) {
    case 'pass_fail':
      return answer.result;
    case 'number': {
      const low = item.min ?? -Infinity;
      const high = item.max ?? Infinity;
      return answer.value >= low && answer.value <= high ? 'pass' : 'fail';
    }
    case 'count_missing':
      return answer.value <= item.max ? 'pass' : 'fail';
    case 'choice':
      return item.options.find((option) => option.id === answer.value)?.result ?? null;
    default:
      return 'noted';
  }
}

/** Whether the answer needs at least one photo under the item's rule. */
export function needsPhoto(item, answer) {
  const result = verdict(item, answer);
  if (result === null || result === 'na') return false;
  return item.photo === 'required' || (item.photo === 'required_on_fail' && result === 'fail');
}

/** Return the local problems that would make the server reject an answer (as server codes). */
export function problems(item, answer) {
  if (!isAnswered(item, answer)) return [];
  const found = [];
  if (needsPhoto(item, answer) && !answer.photos.length) found.push('sync.photo_required');
  if (item.photo === 'never' && answer.photos.length) found.push('sync.photo_not_allowed');
  if (item.type === 'number' && answer.result !== 'na' && !Number.isFinite(answer.value)) {
    found.push('sync.invalid');
  }
  if (item.type === 'count_missing' && answer.result !== 'na' && !Number.isInteger(answer.value)) {
    found.push('sync.invalid');
  }
  return found;
}

/** Return the finding as pushed (result and value in the shape the server judges). */
export function findingBody(item, answer, inspectionId) {
  const result = verdict(item, answer);
  const body = {
    id: answer.id,
    inspection_id: inspectionId,
    item_id: item.id,
    result: result === 'noted' ? 'pass' : result,
    value: result === 'na' || item.type === 'pass_fail' ? null : answer.value,
    note: answer.note || '',
    photos: answer.photoRefs,
    recorded_at: answer.recorded_at,
  };
  if (answer.supersedes_id) body.supersedes_id = answer.supersedes_id;
  return body;
}
