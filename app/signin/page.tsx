'use client';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Button, Field, TextInput } from '../_components/forms';
import { Card, ErrorText } from '../_components/ui';
import { useTRPC } from '../_trpc/client';
import { safeNext } from './safe-next';

export default function SignInPage() {
  const trpc = useTRPC();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: () => {
        window.location.assign(safeNext(new URLSearchParams(window.location.search).get('next')));
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate({ email, password });
  };
  return (
    <Card as="form" onSubmit={submit} className="mx-auto mt-12 max-w-sm space-y-4 p-6">
      <h1 className="text-xl font-semibold">Sign in to Brewline</h1>
      <Field label="Email" className="text-sm">
        <TextInput
          type="email"
          required
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </Field>
      <Field label="Password" className="text-sm">
        <TextInput
          type="password"
          required
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </Field>
      {signIn.isError && <ErrorText className="text-sm">{signIn.error.message}</ErrorText>}
      <Button type="submit" size="lg" disabled={signIn.isPending} className="w-full">
        Sign in
      </Button>
    </Card>
  );
}
