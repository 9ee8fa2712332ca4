'use client';
// The signed-in person's own account: change the password (the current one is needed; other sessions end).
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Field, FormError, TextInput } from '../_components/forms';
import { Card, Chip, Loading, PageTitle } from '../_components/ui';
import { useTRPC } from '../_trpc/client';

export default function AccountPage() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const [form, setForm] = useState({ currentPassword: '', newPassword: '', repeat: '' });
  const [ended, setEnded] = useState<number | null>(null);
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: ({ endedSessions }) => {
        setForm({ currentPassword: '', newPassword: '', repeat: '' });
        setEnded(endedSessions);
      },
    }),
  );
  if (me.isPending) return <Loading />;
  if (!me.data) return <p className="text-stone-700">Sign in to see your account.</p>;
  if (me.data.kind !== 'user') return <p className="text-stone-700">An API token has no account page.</p>;
  const mismatch = form.repeat !== '' && form.repeat !== form.newPassword;
  return (
    <section className="max-w-sm space-y-4">
      <PageTitle>Your account</PageTitle>
      <p>
        {me.data.name} <Chip tone="stone">{me.data.role}</Chip>
      </p>
      <Card
        as="form"
        className="space-y-3 p-4"
        onSubmit={(e) => {
          e.preventDefault();
          setEnded(null);
          if (!mismatch) change.mutate({ currentPassword: form.currentPassword, newPassword: form.newPassword });
        }}
      >
        <h2 className="font-medium">Change your password</h2>
        <Field label="Current password" className="text-sm">
          <TextInput
            type="password"
            required
            autoComplete="current-password"
            value={form.currentPassword}
            onChange={(e) => setForm({ ...form, currentPassword: e.target.value })}
          />
        </Field>
        <Field label="New password" className="text-sm">
          <TextInput
            type="password"
            required
            minLength={10}
            autoComplete="new-password"
            value={form.newPassword}
            onChange={(e) => setForm({ ...form, newPassword: e.target.value })}
          />
        </Field>
        <Field label="New password again" className="text-sm">
          <TextInput
            type="password"
            required
            autoComplete="new-password"
            value={form.repeat}
            onChange={(e) => setForm({ ...form, repeat: e.target.value })}
          />
        </Field>
        {mismatch && <p className="text-sm text-red-700">The two new passwords differ.</p>}
        <FormError error={change.error} className="text-sm" />
        {ended !== null && (
          <p role="status" className="text-sm text-emerald-800">
            Password changed; {ended === 1 ? 'one other session' : `${ended} other sessions`} ended.
          </p>
        )}
        <Button type="submit" disabled={change.isPending || mismatch}>
          Change password
        </Button>
      </Card>
    </section>
  );
}
