'use client';
import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '../_trpc/client';

export function WhoAmI() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({ onSuccess: () => window.location.assign('/signin') }),
  );
  if (!me.data)
    return (
      <Link href="/signin" className="ml-auto text-sm text-amber-800 underline">
        Sign in
      </Link>
    );
  return (
    <div className="ml-auto flex items-center gap-3 text-sm">
      <span data-testid="whoami">
        {me.data.name} <span className="rounded bg-stone-100 px-1.5 py-0.5 text-xs text-stone-700">{me.data.role}</span>
      </span>
      <button type="button" onClick={() => signOut.mutate()} className="text-stone-600 underline hover:text-stone-900">
        Sign out
      </button>
    </div>
  );
}

/** Whether the signed-in user may change things (editors and admins). */
export function useCanEdit(): boolean {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  return me.data?.role === 'editor' || me.data?.role === 'admin';
}

/** The admin pages' link, for admins only. */
export function AdminLink() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  if (me.data?.role !== 'admin') return null;
  return (
    <Link href="/admin" className="text-sm text-stone-600 hover:text-stone-900">
      Admin
    </Link>
  );
}
