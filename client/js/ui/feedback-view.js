/**
 * An inspection's written feedback (the same-day feedback of docs/reports.md): the printable
 * report — failures first with their photos, passing items counted per section — as the
 * department receives it, to read, print or share. Read online, with the token: the page is
 * fetched with the Authorization header and shown in a sandbox, so no link carries a secret.
 */
import * as api from '../api.js';
import { codeText, t } from '../i18n.js';
import { BlobUrls, fill, h } from './dom.js';
import { ReportFrame } from './report-frame.js';

export class FeedbackView {
  constructor(element, { params }) {
    this.element = element;
    this.inspectionId = params[0];
    this.urls = new BlobUrls();
    this.frame = new ReportFrame({ title: t('feedback.title'), 'data-testid': 'feedback-frame' });
  }

  async render() {
    const status = h('p', { class: 'muted', role: 'status', 'data-testid': 'feedback-status' }, t('reports.loading'));
    const print = h('button', { type: 'button', class: 'btn', hidden: true }, t('reports.print'));
    const share = h('button', { type: 'button', class: 'btn', hidden: true, 'data-testid': 'feedback-share' }, t('feedback.share'));
    const back = h('a', { href: '#/mine', onclick: (event) => this.back(event) }, t('feedback.back'));
    fill(this.element,
      h('h1', { tabindex: -1 }, t('feedback.title')),
      h('p', {}, back),
      h('div', { class: 'row wrap' }, print, share), status, this.frame.element);
    try {
      const blob = await api.call('GET', `/inspections/${encodeURIComponent(this.inspectionId)}/report`, { blob: true, timeout: 60000 });
      this.frame.show(await blob.text());
      print.hidden = false;
      print.onclick = () => window.open(this.urls.make(blob), '_blank', 'noopener');
      const file = new File([blob], `feedback-${this.inspectionId.slice(0, 8)}.html`, { type: 'text/html' });
      share.hidden = !navigator.canShare?.({ files: [file] });
      share.onclick = () => navigator.share({ files: [file], title: t('feedback.title') }).catch(() => {});
      status.textContent = '';
    } catch (error) {
      status.textContent = error instanceof api.NetworkError ? t('feedback.offline') : codeText(error.code);
    }
  }

  /** Go back where the reader came from (my inspections, or a message), else to my inspections. */
  back(event) {
    if (history.length > 1) {
      event.preventDefault();
      history.back();
    }
  }

  leave() {
    this.frame.leave();
    this.urls.revokeAll();
  }
}
