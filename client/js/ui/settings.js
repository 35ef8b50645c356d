/** Settings: language, account, logging out (unsent data stays on the device), version. */
import * as api from '../api.js';
import * as db from '../db.js';
import { LANGUAGES, language, t } from '../i18n.js';
import * as outbox from '../outbox.js';
import { mayUse } from '../roles.js';
import { append, h } from './dom.js';

export class SettingsView {
  /** ``onLanguage(code)`` reloads the words; ``onLoggedOut()`` shows the login. */
  constructor(element, { dialog, onLanguage, onLoggedOut }) {
    Object.assign(this, { element, dialog, onLanguage, onLoggedOut });
  }

  async render() {
    const user = await db.meta.get('user');
    this.version = h('span', { 'data-testid': 'version' });
    append(this.element, 
      h('h1', { tabindex: -1 }, t('settings.title')),
      h('fieldset', { class: 'card choices' },
        h('legend', {}, t('settings.language')),
        LANGUAGES.map((code) => h('label', { class: 'choice', lang: code },
          h('input', { type: 'radio', name: 'language', value: code, checked: code === language(), onchange: () => this.onLanguage(code) }),
          h('span', {}, t(`language.${code}`))))),
      h('section', { class: 'card' },
        h('h2', {}, t('settings.account')),
        user ? h('p', {}, t('settings.user', { name: user.display_name, username: user.username })) : null,
        h('div', { class: 'row wrap' },
          mayUse(user, 'users') ? h('a', { class: 'btn', href: '#/users' }, t('users.title')) : null,
          h('button', { type: 'button', class: 'btn', onclick: () => this.logout() }, t('settings.logout')))),
      h('p', { class: 'muted' }, t('settings.version'), ' ', this.version),
    );
    navigator.serviceWorker?.controller?.postMessage({ type: 'version' });
    navigator.serviceWorker?.addEventListener('message', (event) => {
      if (event.data?.type === 'version') this.version.textContent = event.data.version;
    }, { once: true });
  }

  async logout() {
    const { waiting, rejected } = await outbox.counts();
    const message = waiting + rejected ? t('settings.logout_unsent', { n: waiting + rejected }) : t('settings.logout_confirm');
    if (!(await this.dialog.confirm(message, { confirmLabel: t('settings.logout') }))) return;
    try {
      await api.logout();
    } catch {
      // offline or already expired: forgetting the token on this device is what matters
    }
    await db.meta.remove('token');
    navigator.serviceWorker?.controller?.postMessage({ type: 'forget-data' });
    this.onLoggedOut();
  }
}
