'use client';
// Admin: people (create, with a role) and API tokens (create with a role and scopes, shown once; revoke).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../_trpc/client';

const SCOPES = ['pipelines', 'runs', 'models', 'schedules', 'results'] as const;
type FieldError = { path: string[]; message: string };
const fieldsOf = (err: unknown) => (err as { data?: { fields?: FieldError[] } } | null)?.data?.fields ?? [];

export default function AdminPage() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  if (me.isPending) return <p className="text-stone-500">Loading…</p>;
  if (me.data?.role !== 'admin')
    return (
      <p role="alert" className="text-stone-700">
        This page is for admins.
      </p>
    );
  return (
    <section className="space-y-8">
      <h1 className="text-2xl font-semibold">Admin</h1>
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
    role: 'viewer' as 'viewer' | 'editor' | 'admin',
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
  const fields = fieldsOf(create.error);
  return (
    <section className="space-y-3">
      <h2 className="text-lg font-medium">People</h2>
      <table className="w-full rounded border border-stone-200 bg-white text-sm">
        <thead className="bg-stone-100 text-left text-stone-600">
          <tr>
            <th className="p-2">Email</th>
            <th className="p-2">Name</th>
            <th className="p-2">Role</th>
            <th className="p-2">Since</th>
          </tr>
        </thead>
        <tbody>
          {(users.data ?? []).map((u) => (
            <tr key={u.id} className="border-t border-stone-100">
              <td className="p-2">{u.email}</td>
              <td className="p-2">{u.name}</td>
              <td className="p-2">
                {u.role}
                {u.disabledAt ? ' (disabled)' : ''}
              </td>
              <td className="p-2">{new Date(u.createdAt).toLocaleDateString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="flex flex-wrap items-end gap-3 rounded border border-stone-200 bg-white p-3 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(form);
        }}
      >
        <label className="flex flex-col gap-1">
          Email{' '}
          <input
            type="email"
            required
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
            className="rounded border border-stone-300 px-2 py-1"
          />
        </label>
        <label className="flex flex-col gap-1">
          Name{' '}
          <input
            required
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            className="rounded border border-stone-300 px-2 py-1"
          />
        </label>
        <label className="flex flex-col gap-1">
          Role
          <select
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value as typeof form.role })}
            className="rounded border border-stone-300 px-2 py-1"
          >
            <option value="viewer">viewer</option>
            <option value="editor">editor</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <label className="flex flex-col gap-1">
          Password{' '}
          <input
            type="password"
            required
            minLength={10}
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
            className="rounded border border-stone-300 px-2 py-1"
          />
        </label>
        <button type="submit" className="rounded bg-amber-700 px-3 py-1 text-white" disabled={create.isPending}>
          Add person
        </button>
        {create.error && (
          <p role="alert" className="w-full text-red-700">
            {fields.length ? fields.map((f) => `${f.path.join('.')} ${f.message}`).join('; ') : create.error.message}
          </p>
        )}
      </form>
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
    role: 'viewer' as 'viewer' | 'editor' | 'admin',
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
  const fields = fieldsOf(create.error);
  return (
    <section className="space-y-3">
      <h2 className="text-lg font-medium">API tokens</h2>
      {shown && (
        <p role="status" className="rounded border border-emerald-300 bg-emerald-50 p-2 text-sm">
          New token (shown once; only its hash is stored):{' '}
          <code className="select-all break-all" data-testid="new-token">
            {shown}
          </code>
        </p>
      )}
      <table className="w-full rounded border border-stone-200 bg-white text-sm">
        <thead className="bg-stone-100 text-left text-stone-600">
          <tr>
            <th className="p-2">Name</th>
            <th className="p-2">Token</th>
            <th className="p-2">Role</th>
            <th className="p-2">Scopes</th>
            <th className="p-2">Last used</th>
            <th className="p-2">Expires</th>
            <th className="p-2" />
          </tr>
        </thead>
        <tbody>
          {(tokens.data ?? []).map((t) => (
            <tr key={t.id} className="border-t border-stone-100">
              <td className="p-2">{t.name}</td>
              <td className="p-2 font-mono text-xs">{t.prefix}…</td>
              <td className="p-2">{t.role}</td>
              <td className="p-2">{t.scopes.join(', ')}</td>
              <td className="p-2">{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : 'never'}</td>
              <td className="p-2">
                {t.revokedAt ? 'revoked' : t.expiresAt ? new Date(t.expiresAt).toLocaleDateString() : 'never'}
              </td>
              <td className="p-2">
                {!t.revokedAt && (
                  <button
                    type="button"
                    className="text-red-700 underline"
                    onClick={() =>
                      confirm(`Revoke ${t.name}? Programs using it stop working.`) && revoke.mutate({ id: t.id })
                    }
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="flex flex-wrap items-end gap-3 rounded border border-stone-200 bg-white p-3 text-sm"
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
        <label className="flex flex-col gap-1">
          Token name{' '}
          <input
            required
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            className="rounded border border-stone-300 px-2 py-1"
          />
        </label>
        <label className="flex flex-col gap-1">
          Token role
          <select
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value as typeof form.role })}
            className="rounded border border-stone-300 px-2 py-1"
          >
            <option value="viewer">viewer</option>
            <option value="editor">editor</option>
            <option value="admin">admin</option>
          </select>
        </label>
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
        <label className="flex flex-col gap-1">
          Expires in days{' '}
          <input
            type="number"
            min={1}
            max={3650}
            value={form.expiresInDays}
            onChange={(e) => setForm({ ...form, expiresInDays: e.target.value })}
            className="w-24 rounded border border-stone-300 px-2 py-1"
          />
        </label>
        <button type="submit" className="rounded bg-amber-700 px-3 py-1 text-white" disabled={create.isPending}>
          Create token
        </button>
        {create.error && (
          <p role="alert" className="w-full text-red-700">
            {fields.length ? fields.map((f) => `${f.path.join('.')} ${f.message}`).join('; ') : create.error.message}
          </p>
        )}
      </form>
    </section>
  );
}
