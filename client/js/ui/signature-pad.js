/**
 * A signature pad: write with a finger, pen or mouse (pointer events, coalesced points for
 * smooth lines), with undo, redo and clear. The strokes live in an ``Ink`` (ink.js, no DOM); this
 * component owns the canvas, keeps it sharp at the screen's pixel density and redraws it when
 * its size changes (a phone turned to landscape). ``onChange(ink)`` runs after each finished
 * stroke and after undo, redo or clear.
 */
import { t } from '../i18n.js';
import { draw, Ink } from '../ink.js';
import { append, h } from './dom.js';

export class SignaturePad {
  constructor(element, { label, strokes = [], onChange }) {
    Object.assign(this, { element, label, onChange });
    this.ink = new Ink(strokes);
    this.active = null;
  }

  render() {
    this.canvas = h('canvas', {
      class: 'signature-canvas', role: 'img', 'aria-label': this.label, 'data-testid': 'signature-canvas',
      onpointerdown: (event) => this.down(event), onpointermove: (event) => this.move(event),
      onpointerup: (event) => this.up(event), onpointercancel: (event) => this.up(event),
    });
    const button = (key, action, testid) => h('button', {
      type: 'button', class: 'btn btn-small', 'data-testid': testid, onclick: () => this.edit(action),
    }, t(key));
    append(this.element,
      h('div', { class: 'signature-box' }, this.canvas, h('span', { class: 'signature-here', 'aria-hidden': 'true' }, t('signature.here'))),
      h('div', { class: 'row signature-tools' },
        button('signature.undo', () => this.ink.undo(), 'signature-undo'),
        button('signature.redo', () => this.ink.redo(), 'signature-redo'),
        button('signature.clear', () => this.ink.clear(), 'signature-clear')));
    this.element.classList.add('signature-pad');
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(this.canvas);
  }

  /** Match the canvas's pixels to its size on screen, then draw the strokes again. */
  resize() {
    const ratio = window.devicePixelRatio || 1;
    const { clientWidth: width, clientHeight: height } = this.canvas;
    if (!width || !height) return;
    Object.assign(this.canvas, { width: Math.round(width * ratio), height: Math.round(height * ratio) });
    this.paint();
  }

  paint() {
    const ratio = this.canvas.width / (this.canvas.clientWidth || 1);
    const context = this.canvas.getContext('2d');
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    draw(context, this.ink.strokes, { scale: ratio });
    this.element.classList.toggle('signed', !this.ink.empty);
  }

  point(event) {
    const box = this.canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }

  down(event) {
    if (this.active !== null || event.button > 0) return;
    event.preventDefault();
    this.active = event.pointerId;
    this.canvas.setPointerCapture?.(event.pointerId);
    this.ink.begin(...this.point(event));
    this.paint();
  }

  move(event) {
    if (event.pointerId !== this.active) return;
    const samples = event.getCoalescedEvents?.() ?? [];
    let kept = false;
    for (const sample of samples.length ? samples : [event]) kept = this.ink.extend(...this.point(sample)) || kept;
    if (kept) this.paint();
  }

  up(event) {
    if (event.pointerId !== this.active) return;
    this.active = null;
    if (this.ink.end()) this.onChange(this.ink);
  }

  edit(action) {
    if (this.active !== null) return;
    action();
    this.paint();
    this.onChange(this.ink);
  }

  destroy() {
    this.resizer?.disconnect();
  }
}
