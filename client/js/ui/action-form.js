/**
 * A card with a form sent online: its buttons are disabled while it is sent, its photos' upload
 * progress is shown, and a refusal leaves what was typed in place and says why, naming fields.
 */
import * as api from '../api.js';
import { codeText, t } from '../i18n.js';
import { h } from './dom.js';

/** A refusal of the form's own making, shaped like the server's. */
export class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.errors = { [field]: [message] };
  }
}

/** Say why the server (or the form) refused, naming the fields it names. */
function explain(failure) {
  if (failure instanceof FieldError) return failure.message;
  if (failure instanceof api.NetworkError) return t('form.needs_network');
  const fields = Object.entries(failure.errors || {})
    .map(([field, messages]) => `${field}: ${[].concat(messages).join(' ')}`);
  return [codeText(failure.code), ...fields].join(' — ');
}

/**
 * Return the form. ``send(data, button, progress)`` does the work; ``onStale()`` runs instead of
 * showing an error when the task changed since it was read (412).
 */
export function actionForm({ title, testid, fields, buttons, send, onStale }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const status = h('p', { class: 'muted', 'aria-live': 'polite' });
  const form = h('form', { class: 'card stack', 'data-testid': testid }, h('h2', {}, title), fields, error, status,
    h('div', { class: 'row wrap' }, buttons));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const controls = [...form.querySelectorAll('button')];
    controls.forEach((button) => { button.disabled = true; });
    error.textContent = '';
    try {
      await send(new FormData(form), event.submitter, (done, total) => {
        status.textContent = t('task.uploading', { n: done + 1, total });
      });
    } catch (failure) {
      status.textContent = '';
      if (failure instanceof api.ApiError && failure.status === 412) await onStale();
      else error.textContent = explain(failure);
    } finally {
      controls.forEach((button) => { button.disabled = false; });
    }
  });
  return form;
}
