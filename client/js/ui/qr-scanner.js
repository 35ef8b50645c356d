/**
 * Read a location label's QR code: live from the camera (getUserMedia, a frame every 300 ms) or
 * from a photo taken with the file input. BarcodeDetector where the engine has one; elsewhere
 * (iPhone Safari, WeChat, desktop browsers) the vendored jsQR, imported on the first scan so
 * that it is not part of the first load.
 */
import { t } from '../i18n.js';
import { decode as decodePicture } from '../photos.js';
import { fill, h } from './dom.js';

const LONG_EDGE = 1024; // plenty for a label in the frame, and jsQR stays fast on a phone
const FRAME_MS = 300;

// A URL rather than a string literal, so that the client bundle (scripts/build-client.mjs) leaves
// the decoder out of the first load; it resolves to /vendor/ from js/ui/ and from dist/ alike.
const DECODER = new URL('../../vendor/jsqr/jsQR.js', import.meta.url).href;
let jsQR = null;

/** Return the text of the QR code in an image, bitmap or video frame, or null. */
export async function decode(source, width, height) {
  if ('BarcodeDetector' in window) {
    try {
      const [code] = await new BarcodeDetector({ formats: ['qr_code'] }).detect(source);
      return code ? code.rawValue : null;
    } catch {
      // This engine's detector cannot read QR codes after all: decode in JavaScript.
    }
  }
  const scale = Math.min(1, LONG_EDGE / Math.max(width, height));
  const canvas = document.createElement('canvas');
  Object.assign(canvas, { width: Math.round(width * scale), height: Math.round(height * scale) });
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  jsQR ??= (await import(DECODER)).default;
  return jsQR(pixels.data, canvas.width, canvas.height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
}

/** Return the text of the QR code in a picture file, or null. */
export async function decodeFile(file) {
  const image = await decodePicture(file);
  try {
    return await decode(image, image.width, image.height);
  } finally {
    image.close?.();
  }
}

/** The scanning panel: the camera's view, "take a photo" as the fallback, and cancel. */
export class QrScanner {
  /** ``onCode(text)`` gets the first code read; the panel closes itself. */
  constructor(element, { onCode }) {
    this.element = element;
    this.onCode = onCode;
  }

  async open() {
    this.video = h('video', { class: 'scanner-view', muted: true, playsinline: true, 'aria-label': t('location.scan_view') });
    this.status = h('p', { class: 'muted', 'aria-live': 'polite', 'data-testid': 'scan-status' });
    fill(this.element,
      this.video, this.status,
      h('div', { class: 'row wrap' },
        h('label', { class: 'btn' }, t('location.scan_photo'),
          h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden', 'data-testid': 'scan-photo', onchange: (event) => this.read(event.target) })),
        h('button', { type: 'button', class: 'btn', onclick: () => this.close() }, t('action.cancel'))));
    this.element.hidden = false;
    addEventListener('hashchange', () => this.close(), { once: true }); // leaving the screen
    this.video.muted = true; // the attribute alone does not let iOS play inline
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      this.video.srcObject = this.stream;
      await this.video.play();
      this.status.textContent = t('location.scan_aim');
      this.timer = setTimeout(() => this.frame(), FRAME_MS);
    } catch {
      // No camera, no permission, or no getUserMedia (plain HTTP, some web views).
      this.video.hidden = true;
      this.status.textContent = t('location.scan_no_camera');
    }
  }

  async frame() {
    if (!this.stream) return;
    const { video } = this;
    const text = video.videoWidth ? await decode(video, video.videoWidth, video.videoHeight).catch(() => null) : null;
    if (text) this.found(text);
    else if (this.stream) this.timer = setTimeout(() => this.frame(), FRAME_MS);
  }

  async read(input) {
    const [file] = input.files;
    input.value = '';
    if (!file) return;
    this.status.textContent = t('location.scan_reading');
    const text = await decodeFile(file).catch(() => null);
    if (text) this.found(text);
    else this.status.textContent = t('location.scan_failed');
  }

  found(text) {
    this.close();
    this.onCode(text);
  }

  close() {
    clearTimeout(this.timer);
    this.stream?.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.element.hidden = true;
    this.element.replaceChildren();
  }
}
