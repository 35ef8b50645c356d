/**
 * Start the app: open the database, load the words, wire sync, updates and screens together.
 * Everything here also works offline once the service worker has cached the shell.
 */
import * as db from './db.js';
import * as i18n from './i18n.js';
import * as inspections from './inspections.js';
import { homeOf, mayUse } from './roles.js';
import { Router } from './router.js';
import { Sync } from './sync.js';
import { Updates } from './updates.js';
import { Dialog } from './ui/dialog.js';
import { h } from './ui/dom.js';
import { ExternalView } from './ui/external-view.js';
import { FeedbackView } from './ui/feedback-view.js';
import { HomeView } from './ui/home.js';
import { InboxBadge } from './ui/inbox-badge.js';
import { InboxView } from './ui/inbox-view.js';
import { InsecureBanner } from './ui/insecure-banner.js';
import { LoginView } from './ui/login.js';
import { MineView } from './ui/mine-view.js';
import { OutboxView } from './ui/outbox-view.js';
import { RecordView } from './ui/record-view.js';
import { RecordsView } from './ui/records-view.js';
import { ReportsView } from './ui/reports-view.js';
import { ReviewView } from './ui/review.js';
import { SettingsView } from './ui/settings.js';
import { SignView } from './ui/sign-view.js';
import { StatusBar } from './ui/statusbar.js';
import { TaskView } from './ui/task-view.js';
import { TasksView } from './ui/tasks-view.js';
import { UpdateBanner } from './ui/update-banner.js';
import { UsersView } from './ui/users-view.js';
import { VisitStartView } from './ui/visit-start.js';
import { WalkView } from './ui/walk.js';

const VIEWS = {
  login: LoginView, home: HomeView, start: VisitStartView, walk: WalkView, review: ReviewView,
  record: RecordView, outbox: OutboxView, tasks: TasksView, task: TaskView, reports: ReportsView, users: UsersView, settings: SettingsView,
  inbox: InboxView, inspection: FeedbackView, records: RecordsView, external: ExternalView, mine: MineView, sign: SignView,
};
const ROUTES = [
  ['/login', 'login'], ['/', 'home'], ['/start/([^/]+)', 'start'], ['/walk/([^/]+)/(-?\\d+)', 'walk'],
  ['/review/([^/]+)', 'review'], ['/record/([^/]+)/([^/]+)', 'record'], ['/outbox', 'outbox'],
  ['/tasks', 'tasks'], ['/tasks/external', 'external'], ['/task/(\\d+)', 'task'], ['/reports', 'reports'], ['/users', 'users'], ['/settings', 'settings'],
  ['/inbox', 'inbox'], ['/inspection/([0-9a-fA-F-]{36})', 'inspection'], ['/records', 'records'], ['/mine', 'mine'],
  ['/sign/([^/]+)', 'sign'],
];

const main = document.getElementById('main');
const sync = new Sync();
const updates = new Updates();
const dialog = new Dialog(document.getElementById('dialog'));
let router;
let current = null;
let showing = 0;
let login = { reason: null, returnTo: null };

async function show(name, params) {
  const turn = ++showing;
  if (name !== 'login' && !(await db.meta.get('token'))) {
    login.returnTo = location.hash.slice(1) || null; // a link from a message opens after login
    return router.go('/login', { replace: true });
  }
  const user = await db.meta.get('user');
  // A department head records no inspections: their app opens on their tasks (a recorder's on
  // their logs).
  if (name !== 'login' && !mayUse(user, name)) return router.go(homeOf(user), { replace: true });
  await current?.leave?.();
  const element = h('div', { class: 'view', dataset: { view: name } });
  const view = new VIEWS[name](element, { params, router, dialog, sync, ...handlers(name) });
  await view.render();
  if (turn !== showing) return undefined; // a newer route won the race
  current = view;
  main.replaceChildren(element);
  document.body.dataset.view = name;
  for (const link of document.querySelectorAll('[data-screen]')) link.hidden = !mayUse(user, link.dataset.screen);
  let tab = { start: 'home', walk: 'home', review: 'home', record: 'home', task: 'tasks', external: 'tasks', users: 'settings', inspection: 'inbox', mine: 'home' }[name] ?? name;
  if (name === 'record' && !mayUse(user, 'home')) tab = 'records';
  for (const link of document.querySelectorAll('.tabbar a')) {
    if (link.dataset.route === tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  element.querySelector('h1')?.focus();
  return undefined;
}

function handlers(name) {
  if (name === 'login') {
    return {
      reason: login.reason,
      onLoggedIn: () => {
        const target = login.returnTo || '/';
        login = { reason: null, returnTo: null };
        sync.now();
        router.go(target, { replace: true });
      },
    };
  }
  if (name === 'settings') {
    return {
      onLanguage: async (code) => {
        await i18n.load(code);
        await db.meta.set('lang', code);
        i18n.translate(document);
        statusbar.render();
        insecureBanner.render();
        router.resolve();
      },
      onLoggedOut: () => router.go('/login', { replace: true }),
    };
  }
  return {};
}

let statusbar;
let insecureBanner;

async function boot() {
  await db.open();
  await i18n.load((await db.meta.get('lang')) ?? i18n.DEFAULT_LANGUAGE);
  i18n.translate(document);
  // Before anything else can fail: on plain HTTP, say at once what to open instead.
  insecureBanner = new InsecureBanner(document.getElementById('insecure'));
  insecureBanner.render();
  statusbar = new StatusBar(document.getElementById('status'), sync);
  await new InboxBadge(document.getElementById('inbox-badge')).refresh();
  new UpdateBanner(document.getElementById('update'), updates, async () => {
    await current?.leave?.();
    await inspections.flush();
  });
  sync.addEventListener('auth-required', async () => {
    await db.meta.remove('token');
    const here = location.hash.slice(1);
    login = { reason: 'expired', returnTo: here.startsWith('/login') ? '/' : here };
    router.go('/login');
  });
  sync.addEventListener('synced', () => updates.check());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') updates.check();
  });
  router = new Router(ROUTES, show);
  await statusbar.refresh();
  await router.start();
  updates.register().catch((error) => console.error(error));
  sync.start();
}

boot();
