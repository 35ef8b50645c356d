/**
 * Photos for a form sent online (evidence of a fix, a verification): taken or picked, shrunk and
 * hashed on the device like inspection photos, kept in memory until the form is sent.
 */
import { t } from '../i18n.js';
import * as photos from '../photos.js';
import { fill, h } from './dom.js';
import { photoButtons } from './photo-buttons.js';
import { showPhotos, thumbButton } from './photo-viewer.js';
import { dismiss, snackbar } from './snackbar.js';

const MAX_PHOTOS = 10; // the server's limit per submission

export class PhotoPicker {
  constructor() {
    this.photos = [];
    this.urls = new Map();
    this.list = h('ul', { class: 'thumbs' });
    this.status = h('p', { class: 'muted', 'aria-live': 'polite' });
    this.element = h('div', { class: 'stack' },
      this.list,
      photoButtons('picker', (input, camera) => this.add(input, camera)),
      this.status);
  }

  async add(input, camera) {
    const files = [...input.files].slice(0, MAX_PHOTOS - this.photos.length);
    input.value = '';
    this.status.textContent = t('photos.processing');
    try {
      for (const file of files) this.photos.push(await photos.prepare(file, camera));
    } catch (error) {
      console.error(error);
      this.status.textContent = t('photos.failed');
      return;
    }
    this.show();
  }

  /** Remove a photo at once, with a few seconds to undo. */
  async remove(id) {
    const index = this.photos.findIndex((photo) => photo.id === id);
    const [removed] = this.photos.splice(index, 1);
    this.show();
    if (await snackbar(t('photos.removed'), t('action.undo'))) {
      this.photos.splice(index, 0, removed);
      this.show();
    } else {
      URL.revokeObjectURL(this.urls.get(id));
      this.urls.delete(id);
    }
  }

  show() {
    for (const photo of this.photos) {
      if (!this.urls.has(photo.id)) this.urls.set(photo.id, URL.createObjectURL(photo.blob));
    }
    const sources = this.photos.map((photo, index) => ({ url: this.urls.get(photo.id), alt: t('photos.alt', { n: index + 1 }) }));
    fill(this.list, this.photos.map((photo, index) => {
      return h('li', { class: 'thumb' },
        thumbButton(sources[index].url, sources[index].alt, () => showPhotos(sources, index)),
        h('button', {
          type: 'button', class: 'thumb-remove', 'aria-label': t('photos.remove', { n: index + 1 }),
          onclick: () => this.remove(photo.id),
        }, '×'));
    }));
    this.status.textContent = this.photos.length ? t('photos.count', { n: this.photos.length }) : '';
  }

  destroy() {
    dismiss();
    this.urls.forEach((url) => URL.revokeObjectURL(url));
    this.urls.clear();
  }
}
