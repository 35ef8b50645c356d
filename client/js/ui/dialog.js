/** A modal confirmation built on <dialog>: focus is trapped and Escape cancels. */
import { t } from '../i18n.js';
import { fill, h } from './dom.js';

export class Dialog {
  constructor(element) {
    this.element = element;
  }

  /** Ask a yes/no question; resolves true only if the user confirms. */
  confirm(message, { title = t('dialog.confirm_title'), confirmLabel = t('action.confirm'), danger = false } = {}) {
    return new Promise((resolve) => {
      const done = (answer) => {
        this.element.close();
        resolve(answer);
      };
      fill(
        this.element,
        h('h2', { id: 'dialog-title' }, title),
        h('p', { id: 'dialog-message' }, message),
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'btn', onclick: () => done(false) }, t('action.cancel')),
          h('button', { type: 'button', class: danger ? 'btn btn-danger' : 'btn btn-primary', 'data-testid': 'dialog-confirm', onclick: () => done(true) }, confirmLabel)),
      );
      this.element.setAttribute('aria-labelledby', 'dialog-title');
      this.element.setAttribute('aria-describedby', 'dialog-message');
      this.element.oncancel = () => resolve(false);
      this.element.showModal();
    });
  }
}
