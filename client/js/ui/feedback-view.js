/**
 * An inspection's written feedback (the same-day feedback of docs/reports.md): the printable
 * report of every item, answer, photo and the tasks it opened, as the department receives it.
 * Read online, with the token.
 */
import * as api from '../api.js';
import { codeText, t } from '../i18n.js';
import { BlobUrls, fill, h } from './dom.js';

export class FeedbackView {
  constructor(element, { params }) {
    this.element = element;
    this.inspectionId = params[0];
    this.urls = new BlobUrls();
  }

  async render() {
    const status = h('p', { class: 'muted', role: 'status', 'data-testid': 'feedback-status' }, t('reports.loading'));
    const frame = h('iframe', { class: 'report-frame', sandbox: '', title: t('feedback.title'), 'data-testid': 'feedback-frame' });
    const print = h('button', { type: 'button', class: 'btn', hidden: true }, t('reports.print'));
    fill(this.element,
      h('h1', { tabindex: -1 }, t('feedback.title')),
      h('p', {}, h('a', { href: '#/inbox' }, t('feedback.back'))),
      print, status, frame);
    try {
      const blob = await api.call('GET', `/inspections/${encodeURIComponent(this.inspectionId)}/report`, { blob: true, timeout: 60000 });
      frame.srcdoc = await blob.text();
      print.hidden = false;
      print.onclick = () => window.open(this.urls.make(blob), '_blank', 'noopener');
      status.textContent = '';
    } catch (error) {
      status.textContent = error instanceof api.NetworkError ? t('feedback.offline') : codeText(error.code);
    }
  }

  leave() {
    this.urls.revokeAll();
  }
}
