/**
 * A server-made report page shown inside the app, as tall as its content so the app's page
 * scrolls it (no box in a box on a phone); wide tables scroll sideways inside the report.
 *
 * The frame is sandboxed without scripts, so nothing in a report can run. It keeps its origin
 * (allow-same-origin) only so the app can measure the content's height.
 */
import { h } from './dom.js';

export class ReportFrame {
  constructor(attributes) {
    this.element = h('iframe', { class: 'report-frame', sandbox: 'allow-same-origin', ...attributes });
    this.element.addEventListener('load', () => this.fit());
    this.onResize = () => this.fit();
    window.addEventListener('resize', this.onResize);
  }

  /** Show ``html`` (a whole page). */
  show(html) {
    this.element.srcdoc = html;
  }

  /** Size the frame to its content's height (after a load, or when the width changed). */
  fit() {
    const page = this.element.contentDocument?.documentElement;
    if (!page) return;
    this.element.style.height = '0px'; // measure the content, not the frame it had
    this.element.style.height = `${page.scrollHeight}px`;
  }

  leave() {
    window.removeEventListener('resize', this.onResize);
  }
}
