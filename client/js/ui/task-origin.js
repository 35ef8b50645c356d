/**
 * Where a task came from, as facts of the task screen: a problem from outside the walk names its
 * source and reference number (how the office that sent the notice finds it again), a copy made
 * alike links its original, the original links its copies.
 */
import { t } from '../i18n.js';
import { h } from './dom.js';

const link = (id) => h('a', { href: `#/task/${id}` }, `#${id}`);

/** Return the ``dt``/``dd`` pairs of a task from outside the walk (none for the others). */
export function taskOrigin(task) {
  if (task.source !== 'external') return [];
  const copies = task.copy_ids || [];
  return [
    h('dt', {}, t('task.source')),
    h('dd', { 'data-testid': 'task-source' },
      t('tasks.source.external'), task.source_ref ? ` · ${task.source_ref}` : ''),
    task.origin_id ? [h('dt', {}, t('task.copy_of')), h('dd', {}, link(task.origin_id))] : [],
    copies.length
      ? [h('dt', {}, t('task.copies')), h('dd', {}, copies.flatMap((id, i) => (i ? [' ', link(id)] : [link(id)])))]
      : [],
  ];
}
