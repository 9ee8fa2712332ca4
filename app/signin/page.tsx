'use client';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '../_trpc/client';

export default function SignInPage() {
  const trpc = useTRPC();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: () => {
        const next = new URLSearchParams(window.location.search).get('next');
        window.location.assign(next?.startsWith('/') ? next : '/pipelines');
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate({ email, password });
  };
  return (
    <form
      onSubmit={submit}
      className="mx-auto mt-12 max-w-sm space-y-4 rounded-lg border border-stone-200 bg-white p-6"
    >
      <h1 className="text-xl font-semibold">Sign in to Brewline</h1>
      <label className="block text-sm">
        Email
        <input
          type="email"
          required
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          className="mt-1 w-full rounded border border-stone-300 px-2 py-1.5"
        />
      </label>
      <label className="block text-sm">
        Password
        <input
          type="password"
          required
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className="mt-1 w-full rounded border border-stone-300 px-2 py-1.5"
        />
      </label>
      {signIn.isError && (
        <p role="alert" className="text-sm text-red-700">
          {signIn.error.message}
        </p>
      )}
      <button
        type="submit"
        disabled={signIn.isPending}
        className="w-full rounded-md bg-amber-700 py-2 text-sm font-medium text-white hover:bg-amber-800 disabled:opacity-50"
      >
        Sign in
      </button>
    </form>
  );
}
