/** An item's photos: take with the camera or pick from the gallery, see thumbnails, remove. */
import { t } from '../i18n.js';
import * as inspections from '../inspections.js';
import * as photos from '../photos.js';
import { append, fill, h } from './dom.js';
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
    const ids = inspections.answer(this.draft, this.item.id).photos;
    const stored = await Promise.all(ids.map(photos.get));
    const shown = stored.filter(Boolean);
    this.urls = shown.map((photo) => URL.createObjectURL(photo.blob));
    const sources = shown.map((photo, index) => ({ url: this.urls[index], alt: t('photos.alt', { n: index + 1 }) }));
    fill(this.list, shown.map((photo, index) => h('li', { class: 'thumb' },
      thumbButton(sources[index].url, sources[index].alt, () => showPhotos(sources, index)),
      h('button', {
        type: 'button', class: 'thumb-remove', 'aria-label': t('photos.remove', { n: index + 1 }),
        onclick: () => this.remove(photo.id),
      }, '×'))));
    this.status.textContent = ids.length ? t('photos.count', { n: ids.length }) : '';
  }

  async add(input, camera) {
    const files = [...input.files];
    input.value = '';
    const room = MAX_PHOTOS - inspections.answer(this.draft, this.item.id).photos.length;
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

  /** Remove a photo at once, with a few seconds to undo; then its bytes go too. */
  async remove(photoId) {
    const index = await inspections.removePhoto(this.draft, this.item.id, photoId);
    await this.show();
    this.onChange();
    if (await snackbar(t('photos.removed'), t('action.undo'))) {
      await inspections.restorePhoto(this.draft, this.item.id, photoId, index);
      await this.show();
      this.onChange();
    } else {
      await inspections.forgetPhoto(photoId);
    }
  }

  destroy() {
    dismiss(); // an undo must not reach a draft this screen no longer shows
    this.urls.forEach((url) => URL.revokeObjectURL(url));
  }
}
