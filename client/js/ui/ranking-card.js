/**
 * The department ranking of the chosen week on screen: rank, points lost per 100 checks,
 * coverage and the change against the week before — a list that reads on a phone without a
 * table to scroll. The figures are the server's (``ranking`` of the weekly rollup).
 */
import { pick, t } from '../i18n.js';
import { fill, h } from './dom.js';

/** Return the badge that says how a department moved since the previous period. */
function movement(department) {
  const words = {
    new: [t('ranking.new'), 'badge-open'],
    up: [t('ranking.up', { n: department.rank_change }), 'badge-pass'],
    down: [t('ranking.down', { n: -department.rank_change }), 'badge-fail'],
    same: [t('ranking.same'), 'badge-open'],
  }[department.movement];
  return words ? h('span', { class: `badge ${words[1]}`, 'data-testid': 'ranking-movement' }, words[0]) : null;
}

function row(department) {
  const figures = t('ranking.figures', {
    rate: department.rate.toFixed(2),
    checks: department.checks,
    points: department.deductions,
  });
  return h('li', { class: 'list-item ranking-row', 'data-testid': 'ranking-row', 'data-code': department.code },
    h('span', { class: 'rank', 'aria-label': t('ranking.rank', { rank: department.rank }) }, String(department.rank)),
    h('div', { class: 'grow' },
      h('strong', {}, pick(department.name)),
      h('div', { class: 'muted' }, figures),
      h('div', { class: 'muted' }, t('ranking.places', { inspected: department.places_inspected, places: department.places }))),
    movement(department));
}

/** The ranked departments as a list; those nobody checked in one line after it. */
function ranking(departments) {
  const ranked = departments.filter((department) => department.rank !== null);
  const unchecked = departments.filter((department) => department.rank === null);
  return [
    ranked.length ? h('ol', { class: 'list ranking' }, ranked.map(row)) : h('p', {}, t('ranking.none')),
    unchecked.length ? h('p', { class: 'muted', 'data-testid': 'ranking-unchecked' }, t('ranking.unchecked_list', {
      n: unchecked.length,
      names: unchecked.map((department) => pick(department.name)).join(t('ranking.separator')),
    })) : null,
  ];
}

export class RankingCard {
  constructor() {
    this.body = h('div', { class: 'stack' });
    this.element = h('section', { class: 'card stack', 'data-testid': 'ranking' },
      h('h2', {}, t('ranking.title')),
      h('p', { class: 'muted' }, t('ranking.intro')),
      this.body);
  }

  /** Show the ranking of each hospital of the weekly answer (a heading each when several). */
  show(rollups) {
    fill(this.body, rollups.map((rollup) => [
      rollups.length > 1 ? h('h3', {}, pick(rollup.hospital.name)) : null,
      ranking(rollup.ranking.departments),
    ]));
  }

  clear() {
    fill(this.body);
  }
}
