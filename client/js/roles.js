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
};
for (const name of ['start', 'walk', 'review', 'record', 'mine']) SCREENS[name] = SCREENS.home;

/** Whether ``user`` may use the screen ``name``. */
export function mayUse(user, name) {
  const roles = SCREENS[name];
  return !roles || (user?.roles || []).some((role) => roles.includes(role));
}
