/**
 * The HTTP contract as functions. No DOM, no retries: callers (sync.js) decide what to retry.
 *
 * Every failure is one of two errors: ``NetworkError`` (offline, aborted, timed out — the request
 * may or may not have reached the server) or ``ApiError`` (the server answered with an error body
 * whose ``code`` the interface translates).
 */
import * as db from './db.js';

const TIMEOUT_MS = 20000;

/** The request did not get an answer; trying again later is always safe. */
export class NetworkError extends Error {
  constructor(message) {
    super(message);
    this.code = 'network.unreachable';
  }
}

/** The server answered with an error status and its error body. */
export class ApiError extends Error {
  /** ``retryAfter``: the seconds the server asked to wait (``Retry-After``), or null. */
  constructor(status, body, retryAfter = null) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || `http.${status}`;
    this.errors = body?.errors || {};
    this.retryAfter = retryAfter ?? body?.retry_after ?? null;
  }

  /** Whether trying the same request again later may succeed (408, 429, 5xx). */
  get retryable() {
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/**
 * Whether an error means the server cannot be reached although the device may be online: no
 * answer, or a proxy saying so (502, 503, 504).
 */
export function isUnreachable(error) {
  return error instanceof NetworkError || (error instanceof ApiError && [502, 503, 504].includes(error.status));
}

/** Whether an error is worth retrying with back-off rather than showing to the user. */
export function isRetryable(error) {
  return error instanceof NetworkError || (error instanceof ApiError && error.retryable);
}

/**
 * Call ``/api/v1`` + path; return the JSON answer (null for 204) or throw. ``withHeaders``:
 * return ``{data, headers}`` (for an ETag); ``blob``: return the body as a Blob (a photo).
 */
export async function call(method, path, options = {}) {
  const { json, body, headers = {}, timeout = TIMEOUT_MS, auth = true, withHeaders = false, blob = false } = options;
  const sent = { ...headers };
  if (auth) {
    const token = await db.meta.get('token');
    if (token) sent.Authorization = `Bearer ${token}`;
  }
  let payload = body;
  if (json !== undefined) {
    sent['Content-Type'] = 'application/json';
    payload = JSON.stringify(json);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  try {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: sent,
      body: payload,
      signal: controller.signal,
      cache: 'no-store',
    });
    if (blob && response.ok) return await response.blob();
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data, retryAfterSeconds(response.headers));
    return withHeaders ? { data, headers: response.headers } : data;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new NetworkError(error.message);
  } finally {
    clearTimeout(timer);
  }
}

/** Return ``Retry-After`` as seconds (it may also be an HTTP date), or null. */
function retryAfterSeconds(headers) {
  const value = headers.get('Retry-After');
  if (!value) return null;
  const seconds = /^\d+$/.test(value) ? Number(value) : (Date.parse(value) - Date.now()) / 1000;
  return Number.isFinite(seconds) ? Math.max(0, Math.ceil(seconds)) : null;
}

/** Log in; answers ``{token, expires_at, user}``. */
export function login(username, password, deviceName) {
  return call('POST', '/auth/login', {
    json: { username, password, device_name: deviceName },
    auth: false,
  });
}

/** End this device's session on the server. */
export function logout() {
  return call('POST', '/auth/logout');
}

/** Push records: ``{device_id, inspections, findings, records}``. */
export function push(payload) {
  return call('POST', '/sync/push', { json: payload, timeout: 60000 });
}

/** Upload one photo's bytes with their hash (idempotent: a replay answers 200). */
export function putPhoto(photo) {
  return call('PUT', `/photos/${photo.id}`, {
    body: photo.blob,
    headers: { 'Content-Type': photo.type, 'X-Content-SHA256': photo.sha256 },
    timeout: 120000,
  });
}

/** A stored photo's bytes (``thumb``: the small one), for those allowed to see it. */
export function photo(id, { thumb = false } = {}) {
  return call('GET', `/photos/${id}${thumb ? '?size=thumb' : ''}`, { blob: true, timeout: 60000 });
}

/** One page of changes after ``cursor``. */
export function pull(cursor, limit = 500) {
  return call('GET', `/sync/pull?cursor=${cursor}&limit=${limit}`);
}

/** One checklist definition (a specific version). */
export function checklist(id, version) {
  return call('GET', `/checklists/${encodeURIComponent(id)}?version=${version}`);
}
