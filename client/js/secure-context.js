/**
 * Whether the page runs in a secure context, which the app's powerful features need.
 *
 * Over plain HTTP on any name but localhost, browsers withhold the service worker (so no
 * offline mode), ``crypto.subtle`` (so photos cannot be hashed) and often the camera. No DOM.
 */

/** Return true when the browser says this page is not a secure context. */
export const insecure = () => globalThis.isSecureContext === false;

/** Return the address to try instead: the same host over HTTPS on the standard port. */
export const httpsAddress = () => `https://${location.hostname}/`;
