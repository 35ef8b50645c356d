/*
 * Wardwalk's service worker, hand-written. The server fills in VERSION (a hash of the client
 * files) and SHELL (their URLs) when it serves this file, so every release is a new worker.
 *
 * - precache: the app shell under "shell-<VERSION>", installed before the worker can activate;
 * - strategies: the shell cache-first; checklists network-first with a timeout, falling back to
 *   the last copy; every other API request, and every write, goes to the network untouched;
 * - cleanup: on activation, caches of older versions are deleted.
 * The new worker waits until the page says "skip-waiting" (the user accepted the update).
 */
const VERSION = '__WARDWALK_VERSION__';
const SHELL = __WARDWALK_SHELL__;
const SHELL_CACHE = `shell-${VERSION}`;
const DATA_CACHE = 'data-v1';
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })))),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(
        names.filter((name) => name !== SHELL_CACHE && name !== DATA_CACHE).map((name) => caches.delete(name)),
      ))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
  if (event.data?.type === 'version') {
    // Answer on the port the page sent (an export waits for it), or to the page itself (settings).
    (event.ports[0] ?? event.source)?.postMessage({ type: 'version', version: VERSION });
  }
  if (event.data?.type === 'forget-data') caches.delete(DATA_CACHE);
});

async function shellFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const key = request.mode === 'navigate' ? '/' : request;
  return (await cache.match(key)) || fetch(request);
}

async function networkFirst(request) {
  const cache = await caches.open(DATA_CACHE);
  const network = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  network.catch(() => {}); // a late failure after the timeout is not an error
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_TIMEOUT_MS));
  try {
    const answer = await Promise.race([network, timeout]);
    if (answer) return answer;
  } catch {
    // offline: use the stored copy below
  }
  return (await cache.match(request)) || network;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return; // writes: untouched
  if (url.pathname.startsWith('/api/v1/checklists')) {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.startsWith('/api/')) {
    // other API reads go straight to the network
  } else if (request.mode === 'navigate' || SHELL.includes(url.pathname)) {
    event.respondWith(shellFirst(request));
  }
});
