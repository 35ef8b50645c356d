/**
 * The full-screen photo viewer, opened from any thumbnail: pinch (or double-tap, the wheel, the
 * +/− buttons) to zoom, drag to pan, arrows between photos; ×, Escape or the back button close
 * it. The arithmetic of zooming lives in zoom.js.
 */
import { t } from '../i18n.js';
import * as zoom from '../zoom.js';
import { fill, h } from './dom.js';

/**
 * Show photos full screen from ``index``. ``sources``: ``[{alt, url, markUp}]`` where ``url`` is a
 * URL or a function resolving to one (a full-size photo fetched on demand), and ``markUp``, if
 * given, opens the mark-up editor on that photo (the viewer closes first).
 */
export function showPhotos(sources, index = 0) {
  return new PhotoViewer(sources).open(index);
}

/** Return a thumbnail that opens the viewer (``src`` may be filled in later). */
export function thumbButton(src, alt, onOpen) {
  return h('button', { type: 'button', class: 'thumb-open', 'aria-label': t('viewer.open', { what: alt }), onclick: onOpen },
    h('img', { src, alt, width: 96, height: 96 }));
}

class PhotoViewer {
  constructor(sources) {
    this.sources = sources;
    this.view = { ...zoom.FIT };
    this.pointers = new Map();
    this.image = h('img', { class: 'viewer-image', 'data-testid': 'viewer-image', alt: '', draggable: 'false' });
    this.frame = h('div', {
      class: 'viewer-frame',
      onpointerdown: (event) => this.down(event),
      onpointermove: (event) => this.move(event),
      onpointerup: (event) => this.up(event),
      onpointercancel: (event) => this.up(event),
      ondblclick: (event) => this.apply(zoom.toggle(this.view, this.point(event), this.box())),
      onwheel: (event) => { event.preventDefault(); this.apply(zoom.zoomAt(this.view, event.deltaY < 0 ? 1.25 : 0.8, this.point(event), this.box())); },
    }, this.image);
    this.counter = h('span', { class: 'viewer-count', 'data-testid': 'viewer-count' });
    const button = (label, testid, onclick, text) => h('button', { type: 'button', class: 'viewer-button', 'aria-label': label, 'data-testid': testid, onclick }, text);
    this.previous = button(t('viewer.previous'), 'viewer-previous', () => this.go(-1), '‹');
    this.next = button(t('viewer.next'), 'viewer-next', () => this.go(1), '›');
    this.markUp = h('button', { type: 'button', class: 'viewer-text-button', 'data-testid': 'viewer-mark-up', onclick: () => this.startMarking() }, t('marks.action'));
    this.element = h('dialog', { class: 'photo-viewer', 'data-testid': 'photo-viewer', 'aria-label': t('viewer.title'), oncancel: (event) => { event.preventDefault(); this.close(); } },
      this.frame,
      h('div', { class: 'viewer-bar' },
        this.previous, this.counter, this.next, this.markUp,
        button(t('viewer.zoom_out'), 'viewer-zoom-out', () => this.apply(zoom.step(this.view, -1, this.box())), '−'),
        button(t('viewer.zoom_in'), 'viewer-zoom-in', () => this.apply(zoom.step(this.view, 1, this.box())), '+'),
        button(t('viewer.close'), 'viewer-close', () => this.close(), '×')));
    this.onPop = () => this.close({ fromHistory: true });
  }

  async open(index) {
    document.body.append(this.element);
    this.element.showModal();
    // The back button closes the viewer, not the screen beneath: it gets its own history entry.
    history.pushState({ photoViewer: true }, '', location.href);
    addEventListener('popstate', this.onPop);
    await this.go(0, index);
  }

  async go(delta, start = this.index) {
    this.index = Math.min(this.sources.length - 1, Math.max(0, start + delta));
    const source = this.sources[this.index];
    this.previous.hidden = this.next.hidden = this.sources.length < 2;
    this.previous.disabled = this.index === 0;
    this.markUp.hidden = !source.markUp;
    this.next.disabled = this.index === this.sources.length - 1;
    fill(this.counter, this.sources.length > 1 ? t('viewer.count', { n: this.index + 1, total: this.sources.length }) : '');
    this.apply({ ...zoom.FIT });
    this.image.alt = source.alt;
    this.image.removeAttribute('src');
    try {
      this.image.src = typeof source.url === 'function' ? await source.url() : source.url;
    } catch {
      this.image.alt = t('viewer.unavailable');
    }
  }

  /** Close, and resolve once the viewer's history entry is gone (another dialog may push one). */
  close({ fromHistory = false } = {}) {
    if (!this.element.isConnected) return Promise.resolve();
    removeEventListener('popstate', this.onPop);
    this.element.close();
    this.element.remove();
    if (fromHistory || !history.state?.photoViewer) return Promise.resolve();
    const gone = new Promise((resolve) => addEventListener('popstate', resolve, { once: true }));
    history.back();
    return gone;
  }

  async startMarking() {
    const { markUp } = this.sources[this.index];
    await this.close();
    markUp();
  }

  /** The photo as fitted and the frame, for keeping the photo over the frame. */
  box() {
    return { width: this.image.offsetWidth, height: this.image.offsetHeight, frameWidth: this.frame.clientWidth, frameHeight: this.frame.clientHeight };
  }

  /** A pointer's position relative to the frame's centre. */
  point(event) {
    const rect = this.frame.getBoundingClientRect();
    return { x: event.clientX - rect.left - rect.width / 2, y: event.clientY - rect.top - rect.height / 2 };
  }

  apply(view) {
    this.view = view;
    this.image.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    this.image.dataset.scale = view.scale.toFixed(2);
  }

  /** Begin a gesture anew whenever a finger is added or lifted, from the view as it is. */
  restart() {
    this.gesture = { view: this.view, from: [...this.pointers.values()] };
  }

  down(event) {
    this.pointers.set(event.pointerId, this.point(event));
    this.restart();
  }

  move(event) {
    if (!this.pointers.has(event.pointerId)) return;
    this.pointers.set(event.pointerId, this.point(event));
    const to = [...this.pointers.values()];
    const { view, from } = this.gesture;
    if (to.length >= 2 && from.length >= 2) this.apply(zoom.pinch(view, from.slice(0, 2), to.slice(0, 2), this.box()));
    else if (to.length === 1 && from.length === 1) this.apply(zoom.pan(view, to[0].x - from[0].x, to[0].y - from[0].y, this.box()));
  }

  up(event) {
    this.pointers.delete(event.pointerId);
    this.restart();
  }
}
