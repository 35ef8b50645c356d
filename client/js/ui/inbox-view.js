/**
 * The inbox: what the signed-in user must act on, newest first and grouped by day, read from the
 * device (so it works offline). Tapping a notice marks it read and opens its task — or, for new
 * tasks of an inspection, the inspection's written feedback, with each task one tap away.
 */
import * as inbox from '../inbox.js';
import { formatDate, formatTime, pick, t } from '../i18n.js';
import { fill, h } from './dom.js';

/** Return the words of a notice in the current language. */
export function noticeText(notice) {
  const words = {};
  for (const [name, value] of Object.entries(notice.params || {})) {
    words[name] = value && typeof value === 'object' && !Array.isArray(value) ? pick(value) : value;
  }
  if (notice.params?.due_at) words.due = formatDate(notice.params.due_at);
  return t(`notice.${notice.code}`, words);
}

/** Say "today" and "yesterday" (on this device's calendar), else the date. */
function dayLabel(day) {
  const today = new Date();
  const midnight = (back) => new Date(today.getFullYear(), today.getMonth(), today.getDate() - back).getTime();
  if (day === midnight(0)) return t('inbox.today');
  if (day === midnight(1)) return t('inbox.yesterday');
  return formatDate(new Date(day).toISOString());
}

export class InboxView {
  constructor(element, { sync }) {
    this.element = element;
    this.sync = sync;
    this.reload = () => this.show();
  }

  async render() {
    this.list = h('div', { 'data-testid': 'inbox', 'aria-live': 'polite' });
    this.readAll = h('button', {
      type: 'button', class: 'btn btn-small', 'data-testid': 'inbox-read-all', onclick: () => inbox.markAllRead(),
    }, t('inbox.read_all'));
    fill(this.element, h('div', { class: 'row' }, h('h1', { tabindex: -1 }, t('inbox.title')), this.readAll), this.list);
    await this.show();
    inbox.events.addEventListener('change', this.reload);
  }

  async show() {
    const notices = await inbox.list();
    this.readAll.hidden = !notices.some((notice) => !notice.read_at);
    if (!notices.length) {
      fill(this.list, h('p', { class: 'muted' }, t('inbox.empty')));
      return;
    }
    fill(this.list, inbox.byDay(notices).map(({ day, notices: ofDay }) => h('section', { class: 'card' },
      h('h2', {}, dayLabel(day)),
      h('ul', { class: 'list' }, ofDay.map((notice) => this.item(notice))))));
  }

  item(notice) {
    const read = () => inbox.markRead([notice.id]);
    const tasks = inbox.GROUPED.includes(notice.code) ? notice.params.tasks || [] : [];
    return h('li', {
      class: `list-item inbox-item${notice.read_at ? '' : ' inbox-unread'}`,
      'data-testid': 'notice', dataset: { noticeId: notice.id, code: notice.code, unread: notice.read_at ? 'false' : 'true' },
    },
    h('div', {},
      h('a', { href: `#${inbox.target(notice)}`, class: 'inbox-link', onclick: read },
        notice.read_at ? null : h('span', { class: 'badge badge-critical' }, t('inbox.new')), ' ',
        h('strong', {}, noticeText(notice))),
      tasks.length ? h('ul', { class: 'inbox-tasks' }, tasks.map((task) => h('li', {},
        h('a', { href: `#/task/${task.id}`, onclick: read, 'data-testid': 'notice-task' }, pick(task.title))))) : null,
      h('div', { class: 'muted' }, formatTime(notice.created_at))));
  }

  leave() {
    inbox.events.removeEventListener('change', this.reload);
  }
}
