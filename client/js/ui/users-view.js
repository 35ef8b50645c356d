/**
 * Accounts, for administrators: who can use Wardwalk in their hospitals, with which roles and
 * department; create one, change it, set a new password, close or reopen it.
 */
import * as db from '../db.js';
import { language, pick, t } from '../i18n.js';
import * as users from '../users.js';
import { actionForm } from './action-form.js';
import { append, fill, h, uid } from './dom.js';

export class UsersView {
  constructor(element, { dialog }) {
    this.element = element;
    this.dialog = dialog;
  }

  async render() {
    [this.me, this.departments] = await Promise.all([db.meta.get('user'), db.all('departments')]);
    this.list = h('ul', { class: 'list', 'data-testid': 'users' });
    this.message = h('p', { class: 'notice', role: 'status', hidden: true, 'data-testid': 'users-message' });
    append(this.element,
      h('h1', { tabindex: -1 }, t('users.title')),
      this.message,
      h('details', { class: 'card', 'data-testid': 'new-user' },
        h('summary', {}, h('strong', {}, t('users.create_title'))), this.userForm(null)),
      h('section', { class: 'card' }, h('h2', {}, t('users.all')), this.list));
    await this.refresh();
  }

  async refresh(message) {
    try {
      const all = await users.list();
      fill(this.list, all.map((user) => this.row(user)));
    } catch {
      fill(this.list, h('li', { class: 'error' }, t('users.offline')));
    }
    this.message.hidden = !message;
    this.message.textContent = message || '';
  }

  row(user) {
    const roles = new Intl.ListFormat(language()).format(user.roles.map((role) => t(`role.${role}`)));
    const department = this.departments.find((row) => row.id === user.department_id);
    return h('li', { class: 'list-item entry', 'data-testid': 'user', dataset: { username: user.username } },
      h('details', {},
        h('summary', {},
          h('strong', {}, user.display_name), ` (${user.username}) · ${roles}`,
          department ? ` · ${pick(department.name)}` : '',
          user.active ? null : h('span', { class: 'badge badge-critical' }, t('users.closed'))),
        this.userForm(user)));
  }

  /** The form for a new account (``user`` null) or for changing one. */
  userForm(user) {
    const field = (label, input) => {
      input.id = uid('user-field');
      return [h('label', { for: input.id }, label), input];
    };
    const roleBoxes = h('fieldset', { class: 'choices' }, h('legend', {}, t('users.roles')),
      users.ROLES.map((role) => h('label', { class: 'choice' },
        h('input', { type: 'checkbox', name: 'roles', value: role, checked: user?.roles.includes(role) }),
        h('span', {}, t(`role.${role}`)))));
    const department = h('select', { name: 'department_id' },
      h('option', { value: '' }, t('users.no_department')),
      this.departments.map((row) => h('option', { value: row.id, selected: row.id === user?.department_id }, pick(row.name))));
    const fields = [
      user ? null : field(t('users.username'), h('input', { name: 'username', required: true, autocapitalize: 'none' })),
      field(t('users.display_name'), h('input', { name: 'display_name', required: true, value: user?.display_name ?? '' })),
      roleBoxes,
      field(t('users.department'), department),
      field(user ? t('users.new_password') : t('users.password'),
        h('input', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: 8, required: !user })),
    ];
    const buttons = [h('button', { type: 'submit', class: 'btn btn-primary', value: 'save' }, t(user ? 'users.save' : 'users.create'))];
    if (user && user.id !== this.me.id) {
      buttons.push(h('button', { type: 'submit', class: 'btn btn-danger', value: 'access', formnovalidate: true },
        t(user.active ? 'users.close' : 'users.reopen')));
    }
    return actionForm({
      title: user ? t('users.change_title') : t('users.create_title'),
      testid: user ? 'user-form' : 'new-user-form',
      fields,
      buttons,
      send: (data, button) => (button?.value === 'access' ? this.toggle(user) : this.save(user, data)),
      onStale: () => this.refresh(),
    });
  }

  async save(user, data) {
    const values = {
      display_name: data.get('display_name'),
      roles: data.getAll('roles'),
      department_id: data.get('department_id') ? Number(data.get('department_id')) : null,
    };
    if (data.get('password')) values.password = data.get('password');
    if (user) {
      await users.change(user.id, values);
      return this.refresh(t('users.saved', { name: values.display_name }));
    }
    await users.create({ ...values, username: data.get('username'), hospital_ids: this.me.hospital_ids });
    this.element.querySelector('[data-testid=new-user-form]').reset();
    return this.refresh(t('users.created', { name: values.display_name }));
  }

  async toggle(user) {
    if (user.active && !(await this.dialog.confirm(t('users.close_confirm', { name: user.display_name }), {
      confirmLabel: t('users.close'), danger: true,
    }))) return;
    await users.change(user.id, { active: !user.active });
    await this.refresh(t(user.active ? 'users.closed_now' : 'users.reopened', { name: user.display_name }));
  }
}
