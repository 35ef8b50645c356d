/**
 * Sync: when and how often — push and upload (push.js), then pull (refdata.js) and the inbox
 * (inbox.js). No DOM.
 *
 * One sync runs at a time, across tabs too; a request made meanwhile runs once more afterwards.
 * Network errors, timeouts, 408, 429 and 5xx are retried with capped exponential back-off (reset
 * whenever a request gets through, so a flaky corridor keeps making progress). A 401 keeps
 * everything and asks for a new login. ``reachable`` says whether the server answered the last
 * sync's requests, so "online" is not claimed while the network is up but the server is not. Events: "state" {state, photos?}, "synced", "retry" {delay},
 * "auth-required", "error" {code}, "reachability" {reachable}.
 */
import * as api from './api.js';
import * as db from './db.js';
import { now } from './ids.js';
import * as inbox from './inbox.js';
import { pushAll, uploadPhotos } from './push.js';
import * as refdata from './refdata.js';

const BACKOFF_MS = 1000;
const BACKOFF_CAP_MS = 5 * 60_000;
const TIMER_MS = 60_000;

export class Sync extends EventTarget {
  constructor() {
    super();
    this.running = null;
    this.again = false;
    this.failures = 0;
    this.retryTimer = null;
    this.reachable = true;
  }

  /** Sync now, on every "online" event and on a timer while the app is open. */
  start() {
    addEventListener('online', () => this.now());
    setInterval(() => { if (!this.retryTimer) this.run(); }, TIMER_MS);
    return this.run();
  }

  /** Sync at once, forgetting any back-off (the user asked, or the network came back). */
  now() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.failures = 0;
    return this.run();
  }

  /** Run one sync, or join the one running and run again after it. */
  run() {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    // One sync per device: other tabs of the app skip their turn while this one holds the lock.
    const locked = navigator.locks
      ? navigator.locks.request('wardwalk-sync', { ifAvailable: true }, (lock) => lock && this.cycle())
      : this.cycle();
    this.running = locked.finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.run();
      }
    });
    return this.running;
  }

  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  async cycle() {
    if (!navigator.onLine || !(await db.meta.get('token'))) return;
    this.progress = false;
    this.emit('state', { state: 'syncing' });
    try {
      await pushAll(() => { this.progress = true; });
      await uploadPhotos((photos) => {
        if (photos.done) this.progress = true;
        this.emit('state', { state: 'syncing', photos });
      });
      await refdata.pull(() => { this.progress = true; });
      await refdata.fetchChecklists(() => { this.progress = true; });
      await inbox.refresh();
      this.failures = 0;
      this.reached(true);
      await db.meta.set('lastSync', now());
      this.emit('synced');
    } catch (error) {
      this.failed(error);
    } finally {
      this.emit('state', { state: 'idle' });
    }
  }

  reached(reachable) {
    if (reachable === this.reachable) return;
    this.reachable = reachable;
    this.emit('reachability', { reachable });
  }

  failed(error) {
    if (api.isUnreachable(error)) this.reached(false);
    else if (error instanceof api.ApiError) this.reached(true);
    if (error instanceof api.ApiError && error.status === 401) {
      this.emit('auth-required');
    } else if (api.isRetryable(error)) {
      if (this.progress) this.failures = 0;
      const delay = Math.min(BACKOFF_MS * 2 ** this.failures, BACKOFF_CAP_MS) * (0.75 + Math.random() / 2);
      this.failures += 1;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => { this.retryTimer = null; this.run(); }, delay);
      this.emit('retry', { delay, code: error.code });
    } else {
      this.emit('error', { code: error.code || 'client.error' });
      console.error(error);
    }
  }
}
