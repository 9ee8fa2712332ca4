'use client';
// Admin: people (create with a role; change the role, disable, reset the password, end the sessions) and API
// tokens (create with a role and scopes, shown once; revoke).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Field, FormError, InlineForm, Select, TextButton, TextInput } from '../_components/forms';
import { Cell, Loading, PageTitle, Row, SectionTitle, Table } from '../_components/ui';
import { useTRPC } from '../_trpc/client';

const SCOPES = ['pipelines', 'runs', 'models', 'schedules', 'results', 'secrets'] as const;
type Role = 'viewer' | 'editor' | 'admin';

export default function AdminPage() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  if (me.isPending) return <Loading />;
  if (me.data?.role !== 'admin')
    return (
      <p role="alert" className="text-stone-700">
        This page is for admins.
      </p>
    );
  return (
    <section className="space-y-8">
      <PageTitle>Admin</PageTitle>
      <Users />
      <Tokens />
    </section>
  );
}

function Users() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.admin.users.queryOptions());
  const [form, setForm] = useState({
    email: '',
    name: '',
    role: 'viewer' as Role,
    password: '',
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.admin.users.queryKey() });
  const create = useMutation(
    trpc.admin.createUser.mutationOptions({
      onSuccess: () => {
        setForm({ email: '', name: '', role: 'viewer', password: '' });
        return refresh();
      },
    }),
  );
  // the last change's outcome: a generated password is shown here once
  const [reset, setReset] = useState<{ email: string; password: string } | null>(null);
  const setRole = useMutation(trpc.admin.setRole.mutationOptions({ onSettled: refresh }));
  const setDisabled = useMutation(trpc.admin.setDisabled.mutationOptions({ onSettled: refresh }));
  const endSessions = useMutation(trpc.admin.endSessions.mutationOptions({ onSettled: refresh }));
  const resetPassword = useMutation(trpc.admin.resetPassword.mutationOptions({ onSettled: refresh }));
  const changeError = setRole.error ?? setDisabled.error ?? endSessions.error ?? resetPassword.error;
  return (
    <section className="space-y-3">
      <SectionTitle>People</SectionTitle>
      {reset && (
        <p role="status" className="rounded border border-emerald-300 bg-emerald-50 p-2 text-sm">
          New password for {reset.email} (shown once; their sessions have ended):{' '}
          <code className="select-all break-all" data-testid="reset-password">
            {reset.password}
          </code>
        </p>
      )}
      <FormError error={changeError} />
      <Table columns={['Email', 'Name', 'Role', 'Sessions', 'Since', '']}>
        {(users.data ?? []).map((u) => (
          <Row key={u.id}>
            <Cell>{u.email}</Cell>
            <Cell>{u.name}</Cell>
            <Cell>
              <RoleSelect
                aria-label={`Role of ${u.email}`}
                value={u.role}
                onChange={(role) => setRole.mutate({ userId: u.id, role })}
              />
              {u.disabledAt ? ' (disabled)' : ''}
            </Cell>
            <Cell>{u.sessions}</Cell>
            <Cell>{new Date(u.createdAt).toLocaleDateString()}</Cell>
            <Cell className="space-x-3 whitespace-nowrap">
              <TextButton
                tone={u.disabledAt ? 'accent' : 'danger'}
                onClick={() =>
                  (u.disabledAt || confirm(`Disable ${u.email}? Their sessions and tokens stop working now.`)) &&
                  setDisabled.mutate({ userId: u.id, disabled: !u.disabledAt })
                }
              >
                {u.disabledAt ? 'Enable' : 'Disable'}
              </TextButton>
              <TextButton
                onClick={() =>
                  confirm(`Reset the password of ${u.email}? Their sessions end.`) &&
                  resetPassword.mutate(
                    { userId: u.id },
                    { onSuccess: ({ password }) => setReset({ email: u.email, password }) },
                  )
                }
              >
                Reset password
              </TextButton>
              {u.sessions > 0 && (
                <TextButton tone="muted" onClick={() => endSessions.mutate({ userId: u.id })}>
                  End sessions
                </TextButton>
              )}
            </Cell>
          </Row>
        ))}
      </Table>
      <InlineForm
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(form);
        }}
      >
        <Field label="Email">
          <TextInput
            type="email"
            required
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
          />
        </Field>
        <Field label="Name">
          <TextInput required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        </Field>
        <Field label="Role">
          <RoleSelect value={form.role} onChange={(role) => setForm({ ...form, role })} />
        </Field>
        <Field label="Password">
          <TextInput
            type="password"
            required
            minLength={10}
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
        </Field>
        <Button type="submit" disabled={create.isPending}>
          Add person
        </Button>
        <FormError error={create.error} className="w-full" />
      </InlineForm>
    </section>
  );
}

function Tokens() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.admin.tokens.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.admin.tokens.queryKey() });
  const [form, setForm] = useState({
    name: '',
    role: 'viewer' as Role,
    scopes: ['results'] as string[],
    expiresInDays: '',
  });
  const [shown, setShown] = useState<string | null>(null);
  const create = useMutation(
    trpc.admin.createToken.mutationOptions({
      onSuccess: (t) => {
        setShown(t.token);
        return refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.admin.revokeToken.mutationOptions({ onSuccess: refresh }));
  return (
    <section className="space-y-3">
      <SectionTitle>API tokens</SectionTitle>
      {shown && (
        <p role="status" className="rounded border border-emerald-300 bg-emerald-50 p-2 text-sm">
          New token (shown once; only its hash is stored):{' '}
          <code className="select-all break-all" data-testid="new-token">
            {shown}
          </code>
        </p>
      )}
      <Table columns={['Name', 'Token', 'Role', 'Scopes', 'Last used', 'Expires', '']}>
        {(tokens.data ?? []).map((t) => (
          <Row key={t.id}>
            <Cell>{t.name}</Cell>
            <Cell className="font-mono text-xs">{t.prefix}…</Cell>
            <Cell>{t.role}</Cell>
            <Cell>{t.scopes.join(', ')}</Cell>
            <Cell>{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : 'never'}</Cell>
            <Cell>{t.revokedAt ? 'revoked' : t.expiresAt ? new Date(t.expiresAt).toLocaleDateString() : 'never'}</Cell>
            <Cell>
              {!t.revokedAt && (
                <TextButton
                  tone="danger"
                  onClick={() =>
                    confirm(`Revoke ${t.name}? Programs using it stop working.`) && revoke.mutate({ id: t.id })
                  }
                >
                  Revoke
                </TextButton>
              )}
            </Cell>
          </Row>
        ))}
      </Table>
      <InlineForm
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({
            name: form.name,
            role: form.role,
            scopes: form.scopes as (typeof SCOPES)[number][],
            expiresInDays: form.expiresInDays ? Number(form.expiresInDays) : undefined,
          });
        }}
      >
        <Field label="Token name">
          <TextInput required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        </Field>
        <Field label="Token role">
          <RoleSelect value={form.role} onChange={(role) => setForm({ ...form, role })} />
        </Field>
        <fieldset className="flex flex-wrap gap-2">
          <legend className="text-stone-600">Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s} className="inline-flex items-center gap-1">
              <input
                type="checkbox"
                checked={form.scopes.includes(s)}
                onChange={(e) =>
                  setForm({
                    ...form,
                    scopes: e.target.checked ? [...form.scopes, s] : form.scopes.filter((x) => x !== s),
                  })
                }
              />{' '}
              {s}
            </label>
          ))}
        </fieldset>
        <Field label="Expires in days">
          <TextInput
            type="number"
            min={1}
            max={3650}
            value={form.expiresInDays}
            onChange={(e) => setForm({ ...form, expiresInDays: e.target.value })}
            className="w-24"
          />
        </Field>
        <Button type="submit" disabled={create.isPending}>
          Create token
        </Button>
        <FormError error={create.error} className="w-full" />
      </InlineForm>
    </section>
  );
}

function RoleSelect({
  value,
  onChange,
  ...props
}: {
  value: Role;
  onChange: (role: Role) => void;
  'aria-label'?: string;
}) {
  return (
    <Select value={value} onChange={(e) => onChange(e.target.value as Role)} {...props}>
      <option value="viewer">viewer</option>
      <option value="editor">editor</option>
      <option value="admin">admin</option>
    </Select>
  );
}
