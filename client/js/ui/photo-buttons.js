/**
 * The two ways to add photos — take one with the camera, pick from the gallery — as one row.
 *
 * Without a secure context the browser cannot hash (or often even capture) a photo, so the
 * buttons are shown disabled with the reason and what to do, instead of failing on use.
 */
import { t } from '../i18n.js';
import { insecure } from '../secure-context.js';
import { h, uid } from './dom.js';

/** Return the row; ``onPick(input, fromCamera)`` gets the file input that changed. */
export function photoButtons(testid, onPick) {
  if (insecure()) {
    const reason = uid('photo-insecure');
    const blocked = (label) => h('button', { type: 'button', class: 'btn', disabled: true, 'aria-describedby': reason }, label);
    return h('div', { class: 'stack' },
      h('div', { class: 'row wrap' }, blocked(t('photos.camera')), blocked(t('photos.gallery'))),
      h('p', { class: 'error', id: reason, 'data-testid': `${testid}-insecure` }, t('insecure.photo')));
  }
  const input = (camera) => h('input', {
    type: 'file', accept: 'image/*', class: 'visually-hidden', capture: camera ? 'environment' : null, multiple: !camera,
    'data-testid': camera ? `${testid}-camera` : `${testid}-gallery`, onchange: (event) => onPick(event.target, camera),
  });
  return h('div', { class: 'row wrap' },
    h('label', { class: 'btn' }, t('photos.camera'), input(true)),
    h('label', { class: 'btn' }, t('photos.gallery'), input(false)));
}
