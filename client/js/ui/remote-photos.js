/**
 * Photos stored on the server, shown as thumbnails: fetched with the user's token (an <img src>
 * cannot send it), the full-size photo opened on a tap.
 */
import * as api from '../api.js';
import { t } from '../i18n.js';
import { BlobUrls, h } from './dom.js';

export class RemotePhotos {
  constructor() {
    this.urls = new BlobUrls();
  }

  /** Return a list of thumbnails for ``ids`` that fill in as they arrive. */
  list(ids, label) {
    if (!ids?.length) return null;
    return h('ul', { class: 'thumbs', 'data-testid': 'remote-photos' },
      ids.map((id, index) => this.thumb(id, t('photos.alt_of', { what: label, n: index + 1 }))));
  }

  thumb(id, alt) {
    const image = h('img', { alt, width: 96, height: 96, 'data-photo-id': id });
    const link = h('a', { href: '#', class: 'thumb', onclick: (event) => this.open(event, id) }, image);
    api.photo(id, { thumb: true })
      .then((blob) => { image.src = this.urls.make(blob); })
      .catch(() => { link.classList.add('thumb-missing'); image.alt = t('photos.not_arrived'); });
    return h('li', {}, link);
  }

  async open(event, id) {
    event.preventDefault();
    try {
      window.open(this.urls.make(await api.photo(id)), '_blank', 'noopener');
    } catch {
      // Offline or not arrived yet: the thumbnail already says so.
    }
  }

  /** Free the photos' memory when the screen goes. */
  destroy() {
    this.urls.revokeAll();
  }
}
