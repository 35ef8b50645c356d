/** A tiny element builder for the UI components: ``h('button', {class, onclick}, t('…'))``. */

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'open', 'selected']);

/** Return a new element with attributes, listeners (``on<event>``) and children. */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (PROPERTIES.has(name)) element[name] = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  append(element, ...children);
  return element;
}

/** Append children, skipping null/false and flattening arrays. */
export function append(element, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

/** Replace an element's content. */
export function fill(element, ...children) {
  element.replaceChildren();
  return append(element, ...children);
}

/** Return a unique id for label/input pairs. */
let counter = 0;
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Object URLs a screen made for blobs (photos, pages), freed together when it goes. */
export class BlobUrls {
  constructor() {
    this.urls = [];
  }

  /** Return a URL for ``blob``, kept until ``revokeAll``. */
  make(blob) {
    const url = URL.createObjectURL(blob);
    this.urls.push(url);
    return url;
  }

  revokeAll() {
    this.urls.forEach((url) => URL.revokeObjectURL(url));
    this.urls = [];
  }
}
