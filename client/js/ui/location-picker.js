/** Choose a location: browse the tree, search by name or code, type a code, or scan its QR code. */
import { pick, t } from '../i18n.js';
import { append, fill, h, uid } from './dom.js';
import { QrScanner } from './qr-scanner.js';

const MAX_RESULTS = 30;

/** Return a location's names from the top of the tree down, joined for display. */
export function locationPath(location, byId) {
  const names = [];
  for (let node = location; node; node = byId.get(node.parent_id)) names.unshift(pick(node.name));
  return names.join(' › ');
}

/** Extract a location code from a scanned text (a bare code or a URL ending in one). */
export function codeFromScan(text) {
  const match = /[?&#]code=([^&]+)/.exec(text);
  return decodeURIComponent(match ? match[1] : text.trim().split('/').pop());
}

export class LocationPicker {
  constructor(element, { locations, selectedId, onChange }) {
    this.element = element;
    this.locations = locations;
    this.byId = new Map(locations.map((location) => [location.id, location]));
    this.selected = this.byId.get(selectedId) ?? null;
    this.onChange = onChange;
  }

  render() {
    const inputId = uid('location-search');
    this.results = h('div', { class: 'picker-results' });
    this.chosen = h('p', { class: 'picker-chosen', 'aria-live': 'polite', 'data-testid': 'chosen-location' });
    this.error = h('p', { class: 'error', role: 'alert' });
    this.search = h('input', {
      id: inputId, type: 'search', autocomplete: 'off', enterkeyhint: 'search', 'data-testid': 'location-search',
      placeholder: t('location.search_placeholder'),
      oninput: () => this.showResults(),
      onkeydown: (event) => { if (event.key === 'Enter') { event.preventDefault(); this.chooseCode(this.search.value); } },
    });
    const panel = h('div', { class: 'scanner stack', hidden: true, 'data-testid': 'scanner' });
    this.scanner = new QrScanner(panel, { onCode: (text) => this.chooseCode(text) });
    const scan = h('button', {
      type: 'button', class: 'btn', 'data-testid': 'scan', onclick: () => { this.error.textContent = ''; this.scanner.open(); },
    }, t('location.scan'));
    append(this.element,
      h('label', { for: inputId }, t('location.search_label')),
      h('div', { class: 'row' }, this.search, scan),
      panel, this.error, this.chosen, this.results,
    );
    this.showChosen();
    this.showResults();
  }

  showChosen() {
    fill(this.chosen, this.selected
      ? t('location.chosen', { path: locationPath(this.selected, this.byId), code: this.selected.code })
      : t('location.none'));
  }

  choose(location) {
    this.selected = location;
    this.error.textContent = '';
    this.showChosen();
    this.onChange(location);
  }

  chooseCode(text) {
    const code = codeFromScan(text).toUpperCase();
    const location = this.locations.find((candidate) => candidate.code.toUpperCase() === code);
    if (location) this.choose(location);
    else this.error.textContent = t('location.unknown_code', { code });
  }

  option(location) {
    return h('button', {
      type: 'button', class: 'option', 'aria-pressed': String(location === this.selected),
      dataset: { code: location.code }, onclick: () => this.choose(location),
    }, h('span', {}, pick(location.name)), h('span', { class: 'code' }, location.code));
  }

  showResults() {
    const query = this.search.value.trim().toLowerCase();
    if (!query) return fill(this.results, this.tree(null, 0));
    const found = this.locations.filter((location) => location.code.toLowerCase().includes(query)
      || Object.values(location.name).some((name) => name.toLowerCase().includes(query)));
    return fill(this.results, found.length
      ? h('ul', { class: 'options' }, found.slice(0, MAX_RESULTS).map((location) => h('li', {}, this.option(location))))
      : h('p', { class: 'muted' }, t('location.no_match')));
  }

  tree(parentId, depth) {
    const children = this.locations
      .filter((location) => (location.parent_id ?? null) === parentId)
      .sort((a, b) => a.code.localeCompare(b.code));
    if (!children.length) return null;
    return h('ul', { class: depth ? 'tree' : 'tree tree-root' }, children.map((location) => {
      const below = this.tree(location.id, depth + 1);
      if (!below) return h('li', {}, this.option(location));
      return h('li', {}, h('details', { open: depth < 1 },
        h('summary', {}, pick(location.name), ' ', h('span', { class: 'code' }, location.code)), below));
    }));
  }
}
