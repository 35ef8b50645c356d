/** The "update available" prompt. Updating first saves the screen's input, then reloads. */
import { t } from '../i18n.js';
import { fill, h } from './dom.js';

export class UpdateBanner {
  /** ``beforeUpdate`` resolves once unsaved input is safely stored. */
  constructor(element, updates, beforeUpdate) {
    this.element = element;
    updates.addEventListener('available', () => this.show(updates, beforeUpdate));
  }

  show(updates, beforeUpdate) {
    fill(
      this.element,
      h('p', {}, h('strong', {}, t('update.available')), ' ', t('update.safe')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => { this.element.hidden = true; } }, t('update.later')),
        h('button', {
          type: 'button',
          class: 'btn btn-primary',
          'data-testid': 'update-apply',
          onclick: async () => {
            await beforeUpdate();
            updates.apply();
          },
        }, t('update.apply'))),
    );
    this.element.hidden = false;
  }
}
