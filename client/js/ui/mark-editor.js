/**
 * The mark-up editor, full screen over a photo: circle (ellipse), arrow or a few typed words, in
 * red or yellow, drawn with a finger or a mouse (pointer events); undo the last shape, clear,
 * cancel or save. It only edits the shapes (marks.js draws them); the caller makes the marked copy.
 * The preview is drawn at the screen's resolution: shapes are fractions of the photo, so they land
 * on the stored photo exactly where they were drawn.
 */
import { t } from '../i18n.js';
import * as marks from '../marks.js';
import { h } from './dom.js';

/** Open the editor on a photo ``blob`` starting from ``shapes``; resolve to the shapes, or null. */
export function editMarks(blob, shapes = []) {
  return new MarkEditor(shapes).open(blob);
}

class MarkEditor {
  constructor(shapes) {
    this.shapes = [...shapes];
    this.tool = 'ellipse';
    this.colour = 'red';
    this.drag = null;
    this.canvas = h('canvas', {
      class: 'marks-canvas', 'data-testid': 'marks-canvas', 'aria-label': t('marks.canvas'),
      onpointerdown: (event) => this.down(event), onpointermove: (event) => this.move(event),
      onpointerup: (event) => this.up(event), onpointercancel: () => { this.drag = null; this.draw(); },
    });
    this.frame = h('div', { class: 'marks-frame' }, this.canvas);
    this.text = h('input', {
      type: 'text', class: 'marks-text', maxlength: marks.MAX_TEXT, 'data-testid': 'marks-words',
      'aria-label': t('marks.text_label'), placeholder: t('marks.text_placeholder'), enterkeyhint: 'done',
    });
    this.textRow = h('div', { class: 'marks-row', hidden: true }, this.text);
    const choice = (group, value, label) => h('button', {
      type: 'button', class: 'marks-button', 'data-testid': `marks-${value}`, 'aria-pressed': String(this[group] === value),
      dataset: { group, value }, onclick: () => this.choose(group, value),
    }, label);
    const action = (name, onclick, extra = '') => h('button', { type: 'button', class: `marks-button ${extra}`, 'data-testid': `marks-${name}`, onclick }, t(`marks.${name}`));
    this.choices = [
      ...marks.TOOLS.map((tool) => choice('tool', tool, t(`marks.tool.${tool}`))),
      ...Object.keys(marks.COLOURS).map((colour) => choice('colour', colour, t(`marks.colour.${colour}`))),
    ];
    this.undo = action('undo', () => { this.shapes.pop(); this.draw(); });
    this.clear = action('clear', () => { this.shapes = []; this.draw(); });
    this.element = h('dialog', {
      class: 'mark-editor', 'data-testid': 'mark-editor', 'aria-label': t('marks.title'),
      oncancel: (event) => { event.preventDefault(); this.close(null); },
    },
    h('div', { class: 'marks-row' }, this.choices),
    this.frame,
    this.textRow,
    h('div', { class: 'marks-row' }, this.undo, this.clear,
      action('cancel', () => this.close(null)), action('save', () => this.close(this.shapes), 'primary')));
    this.onPop = () => this.close(null, { fromHistory: true });
    this.onResize = () => this.fit();
  }

  async open(blob) {
    this.image = await createImageBitmap(blob);
    document.body.append(this.element);
    this.element.showModal();
    // The back button cancels the editor, not the screen beneath: it gets its own history entry.
    history.pushState({ markEditor: true }, '', location.href);
    addEventListener('popstate', this.onPop);
    addEventListener('resize', this.onResize);
    this.fit();
    return new Promise((resolve) => { this.resolve = resolve; });
  }

  close(result, { fromHistory = false } = {}) {
    if (!this.element.isConnected) return;
    removeEventListener('popstate', this.onPop);
    removeEventListener('resize', this.onResize);
    this.element.close();
    this.element.remove();
    this.image.close?.();
    if (!fromHistory && history.state?.markEditor) history.back();
    this.resolve(result && [...result]);
  }

  choose(group, value) {
    this[group] = value;
    for (const button of this.choices) button.setAttribute('aria-pressed', String(this[button.dataset.group] === button.dataset.value));
    this.textRow.hidden = this.tool !== 'text';
    if (group === 'tool' && value === 'text') this.text.focus();
  }

  /** Size the canvas to the photo fitted in the frame, at the screen's pixel density. */
  fit() {
    const { width, height } = this.image;
    const scale = Math.min(this.frame.clientWidth / width, this.frame.clientHeight / height);
    const [cssWidth, cssHeight] = [Math.floor(width * scale), Math.floor(height * scale)];
    Object.assign(this.canvas.style, { width: `${cssWidth}px`, height: `${cssHeight}px` });
    Object.assign(this.canvas, { width: Math.round(cssWidth * devicePixelRatio), height: Math.round(cssHeight * devicePixelRatio) });
    this.draw();
  }

  draw() {
    const { width, height } = this.canvas;
    const context = this.canvas.getContext('2d');
    context.drawImage(this.image, 0, 0, width, height);
    const drawing = this.drag?.to && this.tool !== 'text' ? marks.shape(this.tool, this.colour, this.drag.from, this.drag.to) : null;
    marks.render(context, drawing ? [...this.shapes, drawing] : this.shapes, width, height);
    this.undo.disabled = this.clear.disabled = !this.shapes.length;
  }

  point(event) {
    return marks.pointIn(this.canvas.getBoundingClientRect(), event.clientX, event.clientY);
  }

  down(event) {
    if (this.drag || !event.isPrimary) return; // one finger draws; a second is ignored
    this.canvas.setPointerCapture?.(event.pointerId);
    this.drag = { id: event.pointerId, from: this.point(event), to: null };
  }

  move(event) {
    if (this.drag?.id !== event.pointerId) return;
    this.drag.to = this.point(event);
    this.draw();
  }

  up(event) {
    if (this.drag?.id !== event.pointerId) return;
    const { from } = this.drag;
    this.drag = null;
    const made = marks.shape(this.tool, this.colour, from, this.point(event), this.text.value);
    if (made) this.shapes.push(made);
    if (made?.tool === 'text') this.text.value = ''; // placed; the next words are typed anew
    else if (!made && this.tool === 'text') this.text.focus(); // words first, then tap where they go
    this.draw();
  }
}
