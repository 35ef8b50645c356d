/** Accounts, for administrators: list, create, change, close. No DOM; online only. */
import * as api from './api.js';

export const ROLES = ['inspector', 'supervisor', 'department_head', 'leader', 'recorder', 'admin'];

/** Every account of the administrator's hospitals, the closed ones too, by name. */
export async function list() {
  const users = await api.call('GET', '/users?include_inactive=true');
  return users.sort((a, b) => Number(b.active) - Number(a.active) || a.display_name.localeCompare(b.display_name));
}

/** Create an account in the administrator's hospitals. */
export const create = (user) => api.call('POST', '/users', { json: user });

/** Change an account; a new password or ``active: false`` ends its sessions. */
export const change = (id, changes) => api.call('PATCH', `/users/${id}`, { json: changes });
