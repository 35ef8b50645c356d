/**
 * The service worker from the page's side: register it and notice a new version. No DOM.
 *
 * A new worker (the server computes its version from the client files) installs in the
 * background and waits. The page emits "available"; only when the user agrees — after the
 * current draft is saved — does the worker take over and the page reload onto the new version.
 */
/**
 * Return the running client's version (the worker's hash of the client files), or null when no
 * worker controls the page or it does not answer within ``timeout`` ms.
 */
export function workerVersion(timeout = 1000) {
  const worker = globalThis.navigator?.serviceWorker?.controller;
  if (!worker) return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), timeout);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      resolve(event.data?.version ?? null);
    };
    worker.postMessage({ type: 'version' }, [channel.port2]);
  });
}

export class Updates extends EventTarget {
  /** Register ``/sw.js`` and watch for a waiting worker. */
  async register() {
    if (!('serviceWorker' in navigator)) return;
    this.registration = await navigator.serviceWorker.register('/sw.js');
    const announce = () => {
      if (this.registration.waiting && navigator.serviceWorker.controller) {
        this.dispatchEvent(new Event('available'));
      }
    };
    announce();
    this.registration.addEventListener('updatefound', () => {
      const worker = this.registration.installing;
      worker?.addEventListener('statechange', () => {
        if (worker.state === 'installed') announce();
      });
    });
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (this.applying) location.reload();
    });
  }

  /** Ask the server whether the worker changed (on start, each sync and when shown again). */
  check() {
    return this.registration?.update().catch(() => {});
  }

  /** Let the waiting worker take over; the page reloads when it does. */
  apply() {
    const waiting = this.registration?.waiting;
    if (!waiting) return location.reload();
    this.applying = true;
    waiting.postMessage({ type: 'skip-waiting' });
    return undefined;
  }
}
