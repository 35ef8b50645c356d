/**
 * Which roles may use which part of the app, as the server's permission policy has it
 * (server/services/permissions.py): screens a role cannot use are not offered.
 */

/** Screens → the roles that use them; a screen not named here is for everyone. */
export const SCREENS = {
  home: ['admin', 'supervisor', 'inspector'], // recording inspections ("inspections.record")
  reports: ['admin', 'supervisor', 'department_head', 'leader'], // "reports.read"
  users: ['admin'], // "users.manage"
  todo: ['admin', 'supervisor', 'inspector', 'department_head'], // "for me": who acts on tasks
  records: ['recorder'], // logs kept without an inspection ("records.keep", own department's places)
  tasks: ['admin', 'supervisor', 'inspector', 'department_head', 'leader'], // "tasks.read"
  external: ['admin', 'supervisor'], // problems from outside the walk ("tasks.report_external")
};
for (const name of ['start', 'walk', 'review', 'sign', 'mine']) SCREENS[name] = SCREENS.home;
SCREENS.record = [...SCREENS.home, ...SCREENS.records]; // the record form: a visit's, or a log
SCREENS.task = SCREENS.tasks;

/** The screen a user starts on when the asked one is not theirs: tasks, or a recorder's logs. */
export const homeOf = (user) => (mayUse(user, 'tasks') ? '/tasks' : '/records');

/** Whether ``user`` may use the screen ``name``. */
export function mayUse(user, name) {
  const roles = SCREENS[name];
  return !roles || (user?.roles || []).some((role) => roles.includes(role));
}
