/**
 * Record forms (a checklist's ``record_types``): staff logs an inspector fills in during a visit,
 * such as a medical-waste handover. No DOM.
 *
 * The device checks input the way the server does (required fields, number ranges, formats), so
 * nothing the server would refuse leaves the phone. Rules are the server's to judge: a broken rule
 * stores the record as failing and opens a task; ``brokenRules`` only hints at them beforehand,
 * applying a rule only where its ``when`` holds (a new-lamp threshold to a new lamp).
 * In a draft, a number, date or time the browser cannot read is kept as NaN (shown as invalid).
 */
import { now, uuid } from './ids.js';
import * as signatures from './signatures.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const OFFSET = /(Z|[+-]\d{2}:\d{2})$/;
const HOUR = 3_600_000;

/** Return the record types a checklist declares. */
export const types = (checklist) => checklist?.record_types ?? [];

/** Return one of a checklist's record types by id. */
export const type = (checklist, id) => types(checklist).find((spec) => spec.id === id);

/** Return the draft's record with this id. */
export const find = (draft, id) => (draft.records ?? []).find((record) => record.id === id);

/** Add an empty record of a type to a draft; it has its id from the start, like a finding. */
export function add(draft, typeId) {
  const record = { id: uuid(), record_type: typeId, fields: {}, recorded_at: now(), rejected: null, errors: {} };
  draft.records = [...(draft.records ?? []), record];
  return record;
}

/** Remove a record from a draft. */
export const remove = (draft, id) => { draft.records = (draft.records ?? []).filter((record) => record.id !== id); };

const empty = (value) => value === null || value === undefined || (typeof value === 'string' && !value.trim())
  || (typeof value === 'object' && !value.photo_id); // a signature counts once drawn, not by a name alone

/** Turn a ``datetime-local`` value into ISO 8601 with the device's offset (…T08:30:00+08:00). */
export function offsetIso(local) {
  const moment = new Date(local); // a date-time without an offset is read as local time
  if (Number.isNaN(moment.getTime())) return Number.NaN;
  const minutes = -moment.getTimezoneOffset();
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  const seconds = local.length === 16 ? `${local}:00` : local.slice(0, 19);
  return `${seconds}${minutes < 0 ? '-' : '+'}${pad(minutes / 60)}:${pad(minutes % 60)}`;
}

/** Turn ISO 8601 back into a ``datetime-local`` value in the device's time zone. */
export function localInput(iso) {
  const moment = new Date(iso);
  if (typeof iso !== 'string' || Number.isNaN(moment.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`
    + `T${pad(moment.getHours())}:${pad(moment.getMinutes())}`;
}

/** Return the catalogue key of a field's input problem, or null (the server's input rules). */
function check(field, value) {
  if (field.type === 'boolean') return null;
  if (empty(value)) return field.required ? 'record.error.required' : null;
  switch (field.type) {
    case 'number': {
      if (!Number.isFinite(value)) return 'record.error.number';
      if (value < (field.min ?? -Infinity) || value > (field.max ?? Infinity)) {
        if (field.min !== undefined && field.max !== undefined) return 'record.error.range_both';
        return field.min !== undefined ? 'record.error.range_min' : 'record.error.range_max';
      }
      return null;
    }
    case 'datetime':
      return typeof value === 'string' && OFFSET.test(value) && !Number.isNaN(Date.parse(value)) ? null : 'record.error.datetime';
    case 'date':
      return typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value)) ? null : 'record.error.date';
    case 'choice':
      return field.options.some((option) => option.id === value) ? null : 'record.error.choice';
    default: // text; a signature (a drawing, or an older app's typed name)
      return typeof value === 'string' || field.type === 'signature' ? null : 'record.error.required';
  }
}

/** Return ``{field id: catalogue key}`` for every field the server would refuse as input. */
export function problems(spec, record) {
  const found = {};
  for (const field of spec.fields) {
    const key = check(field, record.fields[field.id]);
    if (key) found[field.id] = key;
  }
  return found;
}

/** Return the fields as pushed: valid, non-empty values only; a checkbox is always true or false. */
export function values(spec, record) {
  const result = {};
  for (const field of spec.fields) {
    const value = record.fields[field.id];
    if (field.type === 'boolean') result[field.id] = value === true;
    else if (field.type === 'signature' && value?.name?.trim()) result[field.id] = signatures.body(value);
    else if (!empty(value) && !check(field, value)) result[field.id] = typeof value === 'string' ? value.trim() : signatures.body(value);
  }
  return result;
}

/**
 * Return whether every ``when`` condition of a rule holds, as the server decides it. A condition
 * on the hospital (``hospital.sewage_category``) is the server's alone: such rules are not hinted.
 */
function applies(rule, values) {
  return Object.entries(rule.when ?? {}).every(([name, wanted]) => {
    if (name.startsWith('hospital.')) return false;
    const actual = values[name];
    if (wanted === 'present') return !empty(actual);
    return actual !== undefined && actual !== null && wanted.includes(actual);
  });
}

function breaks(rule, values) {
  if (rule.check === 'present') return rule.fields.some((id) => empty(values[id]));
  if (rule.check === 'max_hours_between') {
    if (!(rule.from in values) || !(rule.to in values)) return false;
    return (Date.parse(values[rule.to]) - Date.parse(values[rule.from])) / HOUR > rule.max;
  }
  if (!(rule.field in values)) return false; // like the server: a missing field fires only "present"
  const value = values[rule.field];
  if (rule.check === 'range') return value < (rule.min ?? -Infinity) || value > (rule.max ?? Infinity);
  if (rule.check === 'equals') return value !== rule.value;
  return !rule.values.includes(value); // one_of
}

/** Return the rules the record looks like breaking (a hint; the server judges). */
export function brokenRules(spec, record) {
  const current = values(spec, record);
  return spec.rules.filter((rule) => applies(rule, current) && breaks(rule, current));
}

/** Return the field ids the server named when it refused the record (``fields.<id>``). */
export function refusedFields(record) {
  return Object.keys(record.errors ?? {}).filter((key) => key.startsWith('fields.')).map((key) => key.slice(7));
}

/** Return the record as pushed, for the draft's inspection and location. */
export function body(record, draft, spec) {
  return {
    id: record.id, inspection_id: draft.id, record_type: record.record_type, location_id: draft.location_id,
    fields: spec ? values(spec, record) : record.fields, recorded_at: record.recorded_at,
  };
}

/**
 * Return a rejected outbox record as a draft record again. One the server stored (a conflict)
 * goes back under a new id: a stored id can never carry other content.
 */
export function restore(entry) {
  const { body: pushed } = entry;
  return {
    id: entry.stored ? uuid() : pushed.id, record_type: pushed.record_type, fields: { ...pushed.fields },
    recorded_at: pushed.recorded_at, rejected: entry.code, errors: entry.errors ?? {},
  };
}
