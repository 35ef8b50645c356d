/**
 * A short message at the bottom of the screen with one action, e.g. "Deleted · Undo": an undo
 * instead of a confirmation. One at a time: a new one (or a screen leaving) ends the last one.
 */
import { h } from './dom.js';

const SHOW_MS = 6000;
let current = null;

/** Show ``message`` with an action button; resolve true if it was pressed, false when it ends. */
export function snackbar(message, actionLabel, { ms = SHOW_MS } = {}) {
  current?.end(false);
  return new Promise((resolve) => {
    const entry = {};
    const element = h('div', { class: 'snackbar', role: 'status', 'data-testid': 'snackbar' },
      h('span', {}, message),
      h('button', { type: 'button', class: 'snackbar-action', 'data-testid': 'snackbar-action', onclick: () => entry.end(true) }, actionLabel));
    const timer = setTimeout(() => entry.end(false), ms);
    entry.end = (acted) => {
      clearTimeout(timer);
      element.remove();
      if (current === entry) current = null;
      resolve(acted);
    };
    current = entry;
    document.body.append(element);
  });
}

/** End the snackbar on screen as if its time ran out (its screen is going away). */
export function dismiss() {
  current?.end(false);
}
