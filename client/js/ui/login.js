/** Log in once (online); the token is kept so the app works offline afterwards. */
import * as api from '../api.js';
import * as db from '../db.js';
import { codeText, formatClock, t } from '../i18n.js';
import { uuid } from '../ids.js';
import * as refdata from '../refdata.js';
import { append, h, uid } from './dom.js';

export class LoginView {
  /** ``onLoggedIn()`` continues where the user was (or at home). */
  constructor(element, { reason, onLoggedIn }) {
    this.element = element;
    this.reason = reason;
    this.onLoggedIn = onLoggedIn;
  }

  async render() {
    const user = await db.meta.get('user');
    const nameId = uid('username');
    const passwordId = uid('password');
    this.error = h('p', { class: 'error', role: 'alert', 'data-testid': 'login-error' });
    this.form = h('form', { class: 'card stack', onsubmit: (event) => this.submit(event) },
      h('label', { for: nameId }, t('login.username')),
      h('input', { id: nameId, name: 'username', autocomplete: 'username', required: true, value: user?.username ?? '', autocapitalize: 'none' }),
      h('label', { for: passwordId }, t('login.password')),
      h('input', { id: passwordId, name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
      this.error,
      h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('login.submit')));
    append(this.element, 
      h('h1', { tabindex: -1 }, t('login.title')),
      this.reason ? h('p', { class: 'notice', role: 'status' }, t(`login.reason.${this.reason}`)) : null,
      h('p', { class: 'muted' }, t('login.once')),
      this.form,
    );
  }

  async submit(event) {
    event.preventDefault();
    const data = new FormData(this.form);
    const button = this.form.querySelector('button');
    button.disabled = true;
    this.error.textContent = '';
    try {
      if (!navigator.onLine) throw new api.NetworkError('offline');
      const answer = await api.login(data.get('username'), data.get('password'), navigator.userAgent.slice(0, 120));
      const previous = await db.meta.get('user');
      if (previous && previous.id !== answer.user.id) await refdata.reset();
      if (!(await db.meta.get('deviceId'))) await db.meta.set('deviceId', `d-${uuid()}`);
      await db.meta.set('user', answer.user);
      await db.meta.set('token', answer.token);
      await navigator.storage?.persist?.();
      this.onLoggedIn();
    } catch (error) {
      this.error.textContent = explain(error);
      button.disabled = false;
    }
  }
}

/** The words for a failed login; after too many attempts, also when to try again. */
function explain(error) {
  if (error instanceof api.NetworkError) return t('login.offline');
  if (error.status === 429 && error.retryAfter) {
    const minutes = Math.max(1, Math.ceil(error.retryAfter / 60));
    const time = formatClock(new Date(Date.now() + error.retryAfter * 1000));
    return t(minutes === 1 ? 'login.retry_in_minute' : 'login.retry_in_minutes', { minutes, time });
  }
  return codeText(error.code);
}
