/** The banner shown from the start on plain HTTP: what does not work here, and what to open. */
import { t } from '../i18n.js';
import { httpsAddress, insecure } from '../secure-context.js';
import { fill, h } from './dom.js';

export class InsecureBanner {
  constructor(element) {
    this.element = element;
  }

  /** Show the banner (again, in the current language) when the context is insecure. */
  render() {
    if (!insecure()) return;
    const address = httpsAddress();
    fill(
      this.element,
      h('p', {}, h('strong', {}, t('insecure.title')), ' ', t('insecure.body')),
      h('p', {}, h('a', { href: address, 'data-testid': 'insecure-https' }, t('insecure.open', { address }))),
    );
    this.element.hidden = false;
  }
}
