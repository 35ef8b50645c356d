/**
 * One signature to give: the signer's printed name and the handwritten signature on a pad.
 * Each finished stroke is saved at once as the signature's PNG (signatures.js), so leaving the
 * screen loses nothing; the stored image is shown as it will be sent. Saves run one at a time,
 * each replacing the image of the one before.
 */
import { now } from '../ids.js';
import { t } from '../i18n.js';
import * as photos from '../photos.js';
import * as signatures from '../signatures.js';
import { append, BlobUrls, fill, h, uid } from './dom.js';
import { SignaturePad } from './signature-pad.js';

export class SignatureField {
  /** ``value``: a signature value (or an older app's typed name); ``onChange(value)`` after each save. */
  constructor(element, { label, value, owner, key, nameId = uid('signer'), labelled = false, onChange }) {
    // ``labelled``: the caller labels the name input with the field's own label (a record form).
    Object.assign(this, { element, label, owner, key, nameId, labelled, onChange });
    this.value = typeof value === 'string' ? { name: value } : { ...(value ?? { name: '' }) };
    this.saving = Promise.resolve();
    this.urls = new BlobUrls();
  }

  render() {
    this.nameInput = h('input', {
      id: this.nameId, type: 'text', autocomplete: 'name', value: this.value.name ?? '', 'data-testid': 'signer-name',
      placeholder: this.labelled ? t('signature.printed_name') : null,
      oninput: (event) => { this.value = { ...this.value, name: event.target.value }; this.onChange(this.value); },
    });
    const padBox = h('div', {});
    this.status = h('p', { class: 'muted signature-status', 'data-testid': 'signature-status', 'aria-live': 'polite' });
    this.preview = h('div', { class: 'signature-preview' });
    append(this.element,
      this.labelled ? null : h('label', { for: this.nameId }, t('signature.printed_name')),
      this.nameInput, padBox, this.status, this.preview);
    this.pad = new SignaturePad(padBox, { label: t('signature.pad'), strokes: this.value.strokes ?? [], onChange: (ink) => this.save(ink) });
    this.pad.render();
    this.show();
  }

  save(ink) {
    this.saving = this.saving.then(async () => {
      const saved = await signatures.save(ink, this.value, this.owner, this.key);
      this.value = { ...saved, name: this.value.name ?? '', ...(saved.photo_id ? { signed_at: now() } : {}) };
      this.onChange(this.value);
      await this.show();
    }).catch((error) => {
      console.error(error);
      fill(this.status, t('signature.failed'));
    });
    return this.saving;
  }

  /** Say whether it is signed and show the stored image (drawn earlier and not on the pad, too). */
  async show() {
    fill(this.status, t(this.value.photo_id ? 'signature.saved' : 'signature.empty'));
    this.element.dataset.signed = this.value.photo_id ? 'true' : 'false';
    const photo = this.value.photo_id ? await photos.get(this.value.photo_id) : null;
    this.urls.revokeAll();
    fill(this.preview, photo?.blob
      ? h('img', { src: this.urls.make(photo.blob), alt: t('signature.preview_alt', { who: this.label }), 'data-testid': 'signature-preview' })
      : null);
  }

  /** Wait until the last stroke's image is stored. */
  flush() {
    return this.saving;
  }

  destroy() {
    this.pad?.destroy();
    this.urls.revokeAll();
  }
}
