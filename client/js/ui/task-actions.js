/**
 * What the signed-in user may do to a task now, as forms: move it to another department, move
 * the deadline and cancel (supervisors); name its person among the department's members
 * (supervisors and the department's head); send evidence (the responsible department); verify
 * (supervisors, inspectors — never whoever sent the evidence). Nothing typed is lost when the
 * server refuses: the form stays filled and says why.
 */
import { pick, t } from '../i18n.js';
import { uuid } from '../ids.js';
import * as tasks from '../tasks.js';
import { actionForm, FieldError } from './action-form.js';
import { append, h, uid } from './dom.js';
import { PhotoPicker } from './photo-picker.js';

export class TaskActions {
  /** ``departments``: those of the task's hospital; ``onChanged(message)`` shows the task again. */
  constructor({ task, etag, user, departments, dialog, onChanged }) {
    this.task = task;
    this.etag = etag;
    this.departments = departments;
    this.dialog = dialog;
    this.onChanged = onChanged;
    this.pickers = [];
    const may = tasks.allowed(task, user);
    this.element = h('div', { class: 'stack', 'data-testid': 'task-actions' });
    if (may.evidence) append(this.element, this.evidenceForm());
    if (may.verify) append(this.element, this.verifyForm());
    if (may.assign) append(this.element, this.assignForm());
    if (may.manage) append(this.element, this.moveForm(), this.deadlineForm(), this.cancelForm());
  }

  form(title, testid, fields, buttons, send) {
    return actionForm({ title, testid, fields, buttons, send, onStale: () => this.onChanged(t('task.changed_meanwhile')) });
  }

  field(label, input) {
    input.id = uid('task-field');
    return [h('label', { for: input.id }, label), input];
  }

  evidenceForm() {
    const picker = this.picker();
    const id = uuid(); // made once: resending after a lost answer records the evidence once
    return this.form(t('task.evidence_title'), 'evidence-form', [
      h('p', { class: 'muted' }, t('task.evidence_hint')),
      this.field(t('task.note'), h('textarea', { name: 'note', rows: 3, required: true })),
      picker.element,
    ], [h('button', { type: 'submit', class: 'btn btn-primary' }, t('task.evidence_send'))],
    async (data, _button, progress) => {
      await tasks.submitEvidence(this.task.id, { id, note: data.get('note'), photos: picker.photos }, progress);
      await this.onChanged(t('task.evidence_sent'));
    });
  }

  verifyForm() {
    const picker = this.picker();
    const ids = { pass: uuid(), fail: uuid() };
    return this.form(t('task.verify_title'), 'verify-form', [
      h('p', { class: 'muted' }, t('task.verify_hint')),
      this.field(t('task.note'), h('textarea', { name: 'note', rows: 2 })),
      picker.element,
    ], [
      h('button', { type: 'submit', class: 'btn btn-primary', value: 'pass' }, t('task.verify_pass')),
      h('button', { type: 'submit', class: 'btn btn-danger', value: 'fail' }, t('task.verify_fail')),
    ], async (data, button, progress) => {
      const result = button?.value === 'fail' ? 'fail' : 'pass';
      if (result === 'fail' && !data.get('note')) throw new FieldError('note', t('task.fail_needs_note'));
      await tasks.verify(this.task.id, { id: ids[result], result, note: data.get('note'), photos: picker.photos }, progress);
      await this.onChanged(t(`task.verified.${result}`));
    });
  }

  assignForm() {
    const select = h('select', { name: 'assignee', required: true },
      h('option', { value: '' }, t('task.assignee_choose')));
    tasks.assignees(this.task.department_id).then((users) => {
      append(select, users.length ? users.map((user) => h('option', {
        value: user.id, selected: user.id === this.task.assignee_id,
      }, user.display_name)) : h('option', { value: '', disabled: true }, t('task.assignee_none')));
    }).catch(() => append(select, h('option', { value: '', disabled: true }, t('task.needs_network'))));
    return this.form(t('task.assign_title'), 'assign-form',
      this.field(t('task.assignee'), select),
      [h('button', { type: 'submit', class: 'btn btn-primary' }, t('task.assign'))],
      async (data) => {
        const { task } = await tasks.assign(this.task.id, this.etag, Number(data.get('assignee')));
        await this.onChanged(t('task.assigned_to', { name: task.assignee_name }));
      });
  }

  moveForm() {
    const others = this.departments.filter((department) => department.id !== this.task.department_id);
    const select = h('select', { name: 'department', required: true },
      h('option', { value: '' }, t('task.move_choose')),
      others.map((department) => h('option', { value: department.id }, pick(department.name))));
    return this.form(t('task.move_title'), 'move-form', [
      h('p', { class: 'muted' }, t('task.move_hint')),
      this.field(t('task.move_department'), select),
      this.field(t('task.reason'), h('input', { name: 'reason', required: true, maxlength: 2000 })),
    ], [h('button', { type: 'submit', class: 'btn' }, t('task.move'))],
    async (data) => {
      const department = others.find((row) => row.id === Number(data.get('department')));
      await tasks.move(this.task.id, this.etag, department.id, data.get('reason'));
      await this.onChanged(t('task.moved', { name: pick(department.name) }));
    });
  }

  deadlineForm() {
    const current = new Date(this.task.due_at);
    const pad = (n) => String(n).padStart(2, '0');
    const value = `${current.getFullYear()}-${pad(current.getMonth() + 1)}-${pad(current.getDate())}`;
    return this.form(t('task.deadline_title'), 'deadline-form', [
      this.field(t('task.deadline_new'), h('input', { type: 'date', name: 'date', required: true, value })),
      this.field(t('task.reason'), h('input', { name: 'reason', required: true, maxlength: 2000 })),
    ], [h('button', { type: 'submit', class: 'btn' }, t('task.deadline_change'))],
    async (data) => {
      // A deadline is the end of a local day, as the server sets it.
      const dueAt = new Date(`${data.get('date')}T23:59:59`).toISOString();
      await tasks.reschedule(this.task.id, this.etag, dueAt, data.get('reason'));
      await this.onChanged(t('task.deadline_changed'));
    });
  }

  cancelForm() {
    return this.form(t('task.cancel_title'), 'cancel-form',
      this.field(t('task.reason'), h('input', { name: 'reason', required: true, maxlength: 2000 })),
      [h('button', { type: 'submit', class: 'btn btn-danger' }, t('task.cancel'))],
      async (data) => {
        const sure = await this.dialog.confirm(t('task.cancel_confirm', { title: pick(this.task.title) }), {
          confirmLabel: t('task.cancel'), danger: true,
        });
        if (!sure) return;
        await tasks.cancel(this.task.id, this.etag, data.get('reason'));
        await this.onChanged(t('task.cancelled'));
      });
  }

  picker() {
    const picker = new PhotoPicker();
    this.pickers.push(picker);
    return picker;
  }

  destroy() {
    this.pickers.forEach((picker) => picker.destroy());
  }
}
