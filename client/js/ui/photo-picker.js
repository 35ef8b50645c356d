/**
 * Photos for a form sent online (evidence of a fix, a verification): taken or picked, shrunk and
 * hashed on the device like inspection photos, kept in memory until the form is sent.
 */
import { t } from '../i18n.js';
import * as photos from '../photos.js';
import { fill, h } from './dom.js';
import { photoButtons } from './photo-buttons.js';

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

  remove(id) {
    this.photos = this.photos.filter((photo) => photo.id !== id);
    URL.revokeObjectURL(this.urls.get(id));
    this.urls.delete(id);
    this.show();
  }

  show() {
    fill(this.list, this.photos.map((photo, index) => {
      if (!this.urls.has(photo.id)) this.urls.set(photo.id, URL.createObjectURL(photo.blob));
      return h('li', { class: 'thumb' },
        h('img', { src: this.urls.get(photo.id), alt: t('photos.alt', { n: index + 1 }), width: 96, height: 96 }),
        h('button', {
          type: 'button', class: 'thumb-remove', 'aria-label': t('photos.remove', { n: index + 1 }),
          onclick: () => this.remove(photo.id),
        }, '×'));
    }));
    this.status.textContent = this.photos.length ? t('photos.count', { n: this.photos.length }) : '';
  }

  destroy() {
    this.urls.forEach((url) => URL.revokeObjectURL(url));
    this.urls.clear();
  }
}
