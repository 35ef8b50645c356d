/**
 * A number answer as people read it: with its unit and the checklist's limit, e.g.
 * "148 mg/L (limit ≤ 100)", so a finding makes sense away from its checklist. No DOM.
 */
import * as checklists from './checklists.js';
import * as db from './db.js';
import { pick, t } from './i18n.js';

/** Return the limit of a number item as words ("≤ 100", "3–10"), or '' if it has none. */
export function limitText({ min = null, max = null }) {
  if (min !== null && max !== null) return t('limit.range', { min, max });
  if (max !== null) return t('limit.max', { max });
  return min !== null ? t('limit.min', { min }) : '';
}

/** Return a recorded value as words: with unit and limit for a number item (if the item is known). */
export function valueText(item, value) {
  if (!item || !['number', 'count_missing'].includes(item.type) || typeof value !== 'number') return t('task.value', { value });
  const limit = limitText(item);
  const key = limit ? 'task.value_limit' : 'task.value_unit';
  return t(key, { value, unit: pick(item.unit), limit });
}

/** Return an item of the newest version of a checklist on this device, or null. */
export async function storedItem(checklistId, itemId) {
  const versions = (await db.all('checklists')).filter((definition) => definition.id === checklistId);
  const newest = versions.sort((a, b) => b.version - a.version)[0];
  return newest ? checklists.items(newest).find((item) => item.id === itemId) ?? null : null;
}
