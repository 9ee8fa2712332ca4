'use client';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useTRPC } from '../_trpc/client';
import { TextButton } from './forms';
import { Chip, NavLink, TextLink } from './ui';

export function WhoAmI() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({ onSuccess: () => window.location.assign('/signin') }),
  );
  if (!me.data)
    return (
      <TextLink href="/signin" className="ml-auto text-sm">
        Sign in
      </TextLink>
    );
  return (
    <div className="ml-auto flex items-center gap-3 text-sm">
      <span data-testid="whoami">
        {me.data.name} <Chip tone="stone">{me.data.role}</Chip>
      </span>
      {me.data.kind === 'user' && <NavLink href="/account">Account</NavLink>}
      <TextButton tone="muted" onClick={() => signOut.mutate()}>
        Sign out
      </TextButton>
    </div>
  );
}

/** Whether the signed-in user may change things (editors and admins). */
export function useCanEdit(): boolean {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  return me.data?.role === 'editor' || me.data?.role === 'admin';
}

/** What an admin must know about how this deployment runs (e.g. the step sandbox is off). */
export function AdminWarnings() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  if (!me.data?.warnings.length) return null;
  return (
    <div role="alert" className="border-b border-amber-300 bg-amber-100 px-6 py-2 text-sm text-amber-900">
      {me.data.warnings.join(' ')}
    </div>
  );
}

/** The admin pages' link, for admins only. */
export function AdminLink() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  if (me.data?.role !== 'admin') return null;
  return <NavLink href="/admin">Admin</NavLink>;
}
