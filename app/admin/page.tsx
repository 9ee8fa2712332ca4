'use client';
// Admin: people (create, with a role) and API tokens (create with a role and scopes, shown once; revoke).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Field, FormError, InlineForm, Select, TextButton, TextInput } from '../_components/forms';
import { Cell, Loading, PageTitle, Row, SectionTitle, Table } from '../_components/ui';
import { useTRPC } from '../_trpc/client';

const SCOPES = ['pipelines', 'runs', 'models', 'schedules', 'results'] as const;
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
  const create = useMutation(
    trpc.admin.createUser.mutationOptions({
      onSuccess: () => {
        setForm({ email: '', name: '', role: 'viewer', password: '' });
        return queryClient.invalidateQueries({ queryKey: trpc.admin.users.queryKey() });
      },
    }),
  );
  return (
    <section className="space-y-3">
      <SectionTitle>People</SectionTitle>
      <Table columns={['Email', 'Name', 'Role', 'Since']}>
        {(users.data ?? []).map((u) => (
          <Row key={u.id}>
            <Cell>{u.email}</Cell>
            <Cell>{u.name}</Cell>
            <Cell>
              {u.role}
              {u.disabledAt ? ' (disabled)' : ''}
            </Cell>
            <Cell>{new Date(u.createdAt).toLocaleDateString()}</Cell>
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

function RoleSelect({ value, onChange }: { value: Role; onChange: (role: Role) => void }) {
  return (
    <Select value={value} onChange={(e) => onChange(e.target.value as Role)}>
      <option value="viewer">viewer</option>
      <option value="editor">editor</option>
      <option value="admin">admin</option>
    </Select>
  );
}
