/**
 * An item's photos: take with the camera or pick from the gallery, see thumbnails, mark up,
 * remove. A marked photo shows its marked copy; the original stays reachable beside it.
 */
import { t } from '../i18n.js';
import * as inspections from '../inspections.js';
import * as marked from '../marked-photos.js';
import * as photos from '../photos.js';
import { append, fill, h } from './dom.js';
import { editMarks } from './mark-editor.js';
import { photoButtons } from './photo-buttons.js';
import { showPhotos, thumbButton } from './photo-viewer.js';
import { dismiss, snackbar } from './snackbar.js';

const MAX_PHOTOS = 10; // the server's limit per finding

export class PhotoStrip {
  constructor(element, { draft, item, onChange }) {
    this.element = element;
    this.draft = draft;
    this.item = item;
    this.onChange = onChange;
    this.urls = [];
  }

  render() {
    if (this.item.photo === 'never') {
      append(this.element, h('p', { class: 'notice' }, t('photos.never')));
      return;
    }
    this.list = h('ul', { class: 'thumbs', 'data-testid': 'thumbs' });
    this.status = h('p', { class: 'muted', 'aria-live': 'polite', 'data-testid': 'photo-status' });
    append(this.element,
      h('h2', { class: 'h3' }, t('photos.title')),
      this.list,
      photoButtons('photo', (input, camera) => this.add(input, camera)),
      this.status,
    );
    return this.show();
  }

  async show() {
    this.urls.forEach((url) => URL.revokeObjectURL(url));
    this.urls = [];
    const ids = inspections.answer(this.draft, this.item.id).photos;
    this.pairs = marked.pairs((await Promise.all(ids.map(photos.get))).filter(Boolean));
    // The viewer goes through every photo: a marked copy, then its original.
    const sources = [];
    const items = this.pairs.map((pair, index) => {
      const n = index + 1;
      const markUp = pair.photo.original_id ? null : () => this.markUp(pair);
      const at = sources.push({ url: this.url(pair.copy ?? pair.photo), alt: t(pair.copy ? 'photos.marked_alt' : 'photos.alt', { n }), markUp }) - 1;
      if (pair.copy) sources.push({ url: this.url(pair.photo), alt: t('photos.original_alt', { n }), markUp });
      const open = thumbButton(sources[at].url, sources[at].alt, () => showPhotos(sources, at));
      if (pair.copy) open.append(h('span', { class: 'thumb-badge' }, t('marks.badge')));
      const link = (testid, label, onclick, extra = {}) => h('button', { type: 'button', class: 'thumb-link', 'data-testid': testid, onclick, ...extra }, label);
      return h('li', { class: 'thumb' }, open,
        h('button', { type: 'button', class: 'thumb-remove', 'aria-label': t('photos.remove', { n }), onclick: () => this.remove(pair) }, '×'),
        h('div', { class: 'thumb-actions' },
          markUp && link('mark-up', t('marks.action'), markUp, { 'aria-label': t('marks.open', { n }) }),
          pair.copy && link('show-original', t('marks.original'), () => showPhotos(sources, at + 1))));
    });
    fill(this.list, items);
    this.status.textContent = this.pairs.length ? t('photos.count', { n: this.pairs.length }) : '';
  }

  url(photo) {
    const made = URL.createObjectURL(photo.blob);
    this.urls.push(made);
    return made;
  }

  /** Draw on a photo, starting from its original and the marks kept as shapes. */
  async markUp(pair) {
    try {
      const shapes = await editMarks(pair.photo.blob, pair.copy?.marks ?? []);
      if (!shapes) return;
      this.status.textContent = t('photos.processing');
      await marked.save(this.draft, this.item.id, pair.photo, pair.copy, shapes);
    } catch (error) {
      console.error(error);
      this.status.textContent = t('photos.failed');
      return;
    }
    await this.show();
    this.onChange();
  }

  async add(input, camera) {
    const files = [...input.files];
    input.value = '';
    const room = MAX_PHOTOS - this.pairs.length; // a marked copy does not count
    this.status.textContent = t('photos.processing');
    try {
      for (const file of files.slice(0, Math.max(0, room))) {
        await inspections.addPhoto(this.draft, this.item.id, file, camera);
      }
    } catch (error) {
      console.error(error);
      this.status.textContent = t('photos.failed');
      return;
    }
    await this.show();
    if (files.length > room) this.status.textContent = t('photos.limit', { n: MAX_PHOTOS });
    this.onChange();
  }

  /** Remove a photo (with its marked copy) at once, with a few seconds to undo; then its bytes go too. */
  async remove(pair) {
    const removed = await marked.remove(this.draft, this.item.id, pair);
    await this.show();
    this.onChange();
    if (await snackbar(t('photos.removed'), t('action.undo'))) {
      await marked.restore(this.draft, this.item.id, removed);
      await this.show();
      this.onChange();
    } else {
      for (const { id } of removed) await inspections.forgetPhoto(id);
    }
  }

  destroy() {
    dismiss(); // an undo must not reach a draft this screen no longer shows
    this.urls.forEach((url) => URL.revokeObjectURL(url));
  }
}
