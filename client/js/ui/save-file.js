/**
 * Hand a file to the user: the share sheet where the browser can share files (iOS Safari,
 * Android Chrome: save to Files, send by WeChat or e-mail), otherwise a download from a Blob URL
 * (Chromium, and iOS Safari when sharing is refused). Works offline: nothing leaves the device
 * but through the user's own choice.
 */
import { h } from './dom.js';

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The download reads the URL asynchronously; revoking it at once could cut it short.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Share or download ``blob`` as ``name``; answer "shared", "downloaded" or "cancelled". */
export async function saveFile(blob, name) {
  const file = new File([blob], name, { type: blob.type });
  if (navigator.canShare?.({ files: [file] })) {
    try {
      await navigator.share({ files: [file] });
      return 'shared';
    } catch (error) {
      if (error.name === 'AbortError') return 'cancelled';
      // NotAllowedError: building the file outlasted the tap's permission to share. Download.
    }
  }
  download(blob, name);
  return 'downloaded';
}
