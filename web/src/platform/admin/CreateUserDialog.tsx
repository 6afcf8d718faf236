import { useRef } from 'react';
import { api } from '../../api/client';
import type { Role } from '../../modules';
import { useT, type MessageKey } from '../i18n';
import { useForm } from '../forms/use-form';
import { passwordProblem } from '../forms/rules';
import { Button } from '../ui/Button';
import { Checkbox, TextField } from '../ui/Field';
import { Dialog } from '../ui/Dialog';
import { ProblemAlert } from '../ui/feedback';
import { ROLES } from './roles';

export function CreateUserDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (id: string) => void }) {
  const t = useT();
  // One key per dialog opening: a retried click creates the account once.
  const idempotencyKey = useRef(crypto.randomUUID());
  const form = useForm({
    operation: 'POST /api/v1/users',
    initial: { displayName: '', email: '', password: '', roles: ['patient'] as Role[] },
    extra: (v) => ({ password: passwordProblem(v.password, v.email), roles: v.roles.length ? null : { key: 'validation.pickRole' } }),
    onSubmit: async (v) => {
      const user = await api.post('/api/v1/users', { body: { ...v, displayName: v.displayName.trim() }, headers: { 'idempotency-key': idempotencyKey.current } });
      form.reset();
      idempotencyKey.current = crypto.randomUUID();
      onCreated(user.id);
    },
  });
  const toggle = (role: Role, on: boolean) => form.set('roles', on ? [...form.values.roles, role] : form.values.roles.filter((r) => r !== role));
  const rolesError = form.field('roles').error;
  return (
    <Dialog open={open} title={t('users.create')} onClose={onClose}
      footer={<>
        <Button variant="ghost" onClick={onClose}>{t('action.cancel')}</Button>
        <Button variant="primary" type="submit" form="create-user" busy={form.submitting}>{t('users.createSubmit')}</Button>
      </>}>
      <form id="create-user" onSubmit={form.handleSubmit} noValidate>
        <TextField label={t('field.displayName')} autoFocus {...form.field('displayName')} />
        <TextField label={t('field.email')} type="email" autoComplete="off" {...form.field('email')} />
        <TextField label={t('field.initialPassword')} type="password" autoComplete="new-password" hint={t('users.initialPasswordHint')} {...form.field('password')} />
        <fieldset className="fieldset">
          <legend>{t('users.roles')}</legend>
          <div className="role-grid">
            {ROLES.map((r) => <Checkbox key={r} label={t(`role.${r}` as MessageKey)} checked={form.values.roles.includes(r)} onChange={(on) => toggle(r, on)} />)}
          </div>
          {rolesError ? <p className="field-error" role="alert">{rolesError}</p> : null}
        </fieldset>
        <ProblemAlert error={form.failure} fields={form.fields} />
      </form>
    </Dialog>
  );
}
