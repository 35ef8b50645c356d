/**
 * Hash routes (``#/walk/<id>/3``): the app is one page, so a reload or a restart from the home
 * screen comes back to the same screen, served by the service worker from its cache.
 */
export class Router {
  /** ``routes``: [[pattern, name]]; ``onRoute(name, params)`` shows the screen. */
  constructor(routes, onRoute) {
    this.routes = routes.map(([pattern, name]) => [new RegExp(`^${pattern}$`), name]);
    this.onRoute = onRoute;
  }

  /** Show the current hash and follow its changes. */
  start() {
    addEventListener('hashchange', () => this.resolve());
    return this.resolve();
  }

  /** Show the screen of the current hash (unknown hashes go home). */
  resolve() {
    const path = location.hash.slice(1) || '/';
    for (const [pattern, name] of this.routes) {
      const match = pattern.exec(path);
      if (match) return this.onRoute(name, match.slice(1).map(decodeURIComponent));
    }
    return this.go('/');
  }

  /** Go to a path (``/outbox``); replacing keeps the back button sensible after redirects. */
  go(path, { replace = false } = {}) {
    const hash = `#${path}`;
    if (location.hash === hash) return this.resolve();
    if (replace) {
      history.replaceState(null, '', hash);
      return this.resolve();
    }
    location.hash = hash;
    return undefined;
  }
}
