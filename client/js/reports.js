/**
 * The reports for those who read them: the weekly page with its charts and its figures (the
 * department ranking), the problem list as Excel or CSV, and the monthly department report page. No DOM. Reports are made on the server from everything synced,
 * so they need a connection.
 */
import * as api from './api.js';

/** Return the ISO week of a date, as the API names it: ``2026-W47``. */
export function isoWeek(date) {
  const day = new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
  const weekday = day.getUTCDay() || 7; // Monday 1 … Sunday 7
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday decides the year
  const yearStart = new Date(Date.UTC(day.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((day - yearStart) / 86400000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Return this week and the ``count - 1`` before it, newest first. */
export function recentWeeks(count, today = new Date()) {
  return Array.from({ length: count }, (_, index) => {
    const day = new Date(today);
    day.setDate(day.getDate() - 7 * index);
    return isoWeek(day);
  });
}

/** Return this month and the ``count - 1`` before it, newest first: ``2026-11``. */
export function recentMonths(count, today = new Date()) {
  return Array.from({ length: count }, (_, index) => {
    const day = new Date(today.getFullYear(), today.getMonth() - index, 1);
    return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}`;
  });
}

/** Return the weekly rollups of ``week``, one per hospital (with their ``ranking``). */
export async function weekly(week) {
  return (await api.call('GET', `/reports/weekly?week=${week}`, { timeout: 60000 })).hospitals;
}

/** Return the printable monthly department report of ``month`` as a blob. */
export async function monthlyPage(month) {
  return api.call('GET', `/reports/monthly.html?month=${month}`, { blob: true, timeout: 60000 });
}

/** Return the printable weekly page's HTML. */
export async function page(week) {
  return (await api.call('GET', `/reports/weekly.html?week=${week}`, { blob: true, timeout: 60000 })).text();
}

/** Return the printable sheet of QR labels for a place and everything inside it (or all). */
export async function labels(rootId) {
  const query = rootId ? `?root=${rootId}` : '';
  return api.call('GET', `/locations/labels.html${query}`, { blob: true, timeout: 60000 });
}

/** Return the problem list of ``week`` as ``{blob, filename}`` (``xlsx`` or ``csv``). */
export async function problemList(week, extension) {
  const blob = await api.call('GET', `/reports/weekly.${extension}?week=${week}`, { blob: true, timeout: 120000 });
  return { blob, filename: `wardwalk-problem-list-${week}.${extension}` };
}
