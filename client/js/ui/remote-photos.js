/**
 * Photos stored on the server, shown as thumbnails: fetched with the user's token (an <img src>
 * cannot send it), the full-size photo opened on a tap.
 */
import * as api from '../api.js';
import { t } from '../i18n.js';
import { BlobUrls, h } from './dom.js';
import { showPhotos, thumbButton } from './photo-viewer.js';

export class RemotePhotos {
  constructor() {
    this.urls = new BlobUrls();
    this.fullUrls = new Map();
  }

  /**
   * Return a list of thumbnails for ``ids`` that fill in as they arrive. ``originals`` maps a
   * marked copy to the photo it was drawn on: the copy gets the thumbnail, its original is one
   * swipe further in the viewer.
   */
  list(ids, label, originals = {}) {
    if (!ids?.length) return null;
    const hidden = new Set(Object.values(originals));
    // The full-size photo is fetched when the viewer shows it (once; the URL is kept).
    const sources = ids.map((id, index) => ({
      alt: t(hidden.has(id) ? 'photos.original_of' : 'photos.alt_of', { what: label, n: index + 1 }),
      url: () => this.full(id),
    }));
    return h('ul', { class: 'thumbs', 'data-testid': 'remote-photos' },
      ids.map((id, index) => (hidden.has(id) ? null : this.thumb(id, sources[index].alt, () => showPhotos(sources, index), originals[id]))));
  }

  thumb(id, alt, onOpen, original) {
    const button = thumbButton(null, alt, onOpen);
    const image = button.firstChild;
    image.dataset.photoId = id;
    if (original) button.append(h('span', { class: 'thumb-badge' }, t('marks.badge')));
    api.photo(id, { thumb: true })
      .then((blob) => { image.src = this.urls.make(blob); })
      .catch(() => { button.classList.add('thumb-missing'); image.alt = t('photos.not_arrived'); });
    return h('li', { class: 'thumb' }, button);
  }

  /** The full-size photo's URL; offline or not arrived, the viewer says so. */
  full(id) {
    if (!this.fullUrls.has(id)) {
      const url = api.photo(id).then((blob) => this.urls.make(blob));
      url.catch(() => this.fullUrls.delete(id)); // try again on the next tap
      this.fullUrls.set(id, url);
    }
    return this.fullUrls.get(id);
  }

  /** Free the photos' memory when the screen goes. */
  destroy() {
    this.urls.revokeAll();
    this.fullUrls.clear();
  }
}
