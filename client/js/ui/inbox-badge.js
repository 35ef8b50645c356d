/** The unread count on the inbox tab, kept current as the inbox on this device changes. */
import * as inbox from '../inbox.js';
import { t } from '../i18n.js';

export class InboxBadge {
  constructor(element) {
    this.element = element;
    inbox.events.addEventListener('change', () => this.refresh());
  }

  async refresh() {
    const count = await inbox.unreadCount();
    this.element.hidden = count === 0;
    this.element.textContent = count > 99 ? '99+' : String(count);
    this.element.title = t('inbox.unread', { n: count });
    this.element.dataset.count = count;
  }
}
