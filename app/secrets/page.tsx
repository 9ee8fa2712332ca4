'use client';
// Secrets and connections: names, types and non-secret fields for everyone; editors add them, change their
// non-secret fields, rotate their values and delete them. Values are write-only: the page never receives one.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { type FormEvent, useState } from 'react';
import { SECRET_TYPE_DEFS, SECRET_TYPES, type SecretFieldDef, type SecretType } from '~/common/secrets';
import { Button, Field, FormError, InlineForm, Select, TextArea, TextButton, TextInput } from '../_components/forms';
import { Cell, Chip, LoadError, Loading, PageTitle, Row, SectionTitle, Table } from '../_components/ui';
import { useCanEdit } from '../_components/who-am-i';
import type { AppRouter } from '~/server/api/root';
import { useTRPC } from '../_trpc/client';

/** A secret as the API lists it (names, types, non-secret fields; never a value). */
type Entry = inferRouterOutputs<AppRouter>['secrets']['list'][number];

export default function SecretsPage() {
  const trpc = useTRPC();
  const canEdit = useCanEdit();
  const secrets = useQuery(trpc.secrets.list.queryOptions());
  const audit = useQuery(trpc.secrets.audit.queryOptions({ limit: 20 }));
  if (secrets.isPending) return <Loading what="secrets" />;
  if (secrets.isError) return <LoadError what="secrets" error={secrets.error} />;
  return (
    <section className="space-y-6">
      <PageTitle>Secrets and connections</PageTitle>
      <p className="text-sm text-stone-600">
        A step names the secrets it is given (<code>secrets: {'{ CRAWLER_KEY: "kakao-api" }'}</code>) and a connection (
        <code>connection: "recsys-db"</code>, as <code>BREWLINE_CONNECTION_*</code> variables). Values are encrypted,
        never shown again once saved, and masked in step logs.
      </p>
      {canEdit && <CreateForm />}
      {secrets.data.length === 0 ? (
        <p className="text-stone-600">No secrets yet.</p>
      ) : (
        <Table columns={['Name', 'Type', 'Fields', 'Secret fields', 'Values set', '']} data-testid="secrets">
          {secrets.data.map((s) => (
            <SecretRow key={s.name} secret={s} canEdit={canEdit} />
          ))}
        </Table>
      )}
      <section className="space-y-2">
        <SectionTitle>Recent changes</SectionTitle>
        {audit.data && (
          <Table columns={['When', 'Who', 'What', 'Secret', 'Fields']} data-testid="secret-audit">
            {audit.data.map((a) => (
              <Row key={a.id}>
                <Cell>{new Date(a.createdAt).toLocaleString()}</Cell>
                <Cell>{a.actor}</Cell>
                <Cell>{a.action}</Cell>
                <Cell>{a.secretName}</Cell>
                <Cell>{a.fields.join(', ')}</Cell>
              </Row>
            ))}
          </Table>
        )}
      </section>
    </section>
  );
}

function SecretRow({ secret: s, canEdit }: { secret: Entry; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<'rotate' | 'edit' | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.secrets.pathKey() });
  const remove = useMutation(trpc.secrets.delete.mutationOptions({ onSuccess: refresh }));
  return (
    <>
      <Row data-testid={`secret-${s.name}`}>
        <Cell className="font-medium">
          {s.name}
          {s.description && <div className="text-xs font-normal text-stone-500">{s.description}</div>}
        </Cell>
        <Cell>
          <Chip tone="grey">{s.type}</Chip>
        </Cell>
        <Cell className="text-xs">
          {Object.entries(s.fields).map(([k, v]) => (
            <div key={k}>
              {k}: <code>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</code>
            </div>
          ))}
        </Cell>
        <Cell className="text-xs">{s.secretFields.map((f) => `${f}: ••••`).join(', ')}</Cell>
        <Cell className="text-xs">
          v{s.valueVersion}, {new Date(s.rotatedAt).toLocaleString()} by {s.updatedBy}
        </Cell>
        <Cell className="space-x-3 text-sm">
          {canEdit && (
            <>
              <TextButton onClick={() => setOpen(open === 'rotate' ? null : 'rotate')}>Rotate…</TextButton>
              <TextButton onClick={() => setOpen(open === 'edit' ? null : 'edit')}>Edit…</TextButton>
              <TextButton
                tone="danger"
                onClick={() => {
                  if (window.confirm(`Delete ${s.name}? Steps that name it will fail.`))
                    remove.mutate({ name: s.name });
                }}
              >
                Delete
              </TextButton>
            </>
          )}
          <FormError error={remove.error} className="text-xs" />
        </Cell>
      </Row>
      {open && (
        <Row>
          <Cell colSpan={6}>
            {open === 'rotate' ? (
              <RotateForm secret={s} onDone={() => setOpen(null)} />
            ) : (
              <EditForm secret={s} onDone={() => setOpen(null)} />
            )}
          </Cell>
        </Row>
      )}
    </>
  );
}

function CreateForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [type, setType] = useState<SecretType>('secret');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [inputs, setInputs] = useState<Record<string, string | boolean>>({});
  const create = useMutation(
    trpc.secrets.create.mutationOptions({
      onSuccess: () => {
        setName('');
        setDescription('');
        setInputs({});
        return queryClient.invalidateQueries({ queryKey: trpc.secrets.pathKey() });
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, type, description, values: valuesOf(SECRET_TYPE_DEFS[type].fields, inputs) });
  };
  return (
    <InlineForm onSubmit={submit} aria-label="New secret or connection">
      <Field label="Name">
        <TextInput value={name} onChange={(e) => setName(e.target.value)} placeholder="kakao-api" required />
      </Field>
      <Field label="Type">
        <Select
          value={type}
          onChange={(e) => {
            setType(e.target.value as SecretType);
            setInputs({});
          }}
        >
          {SECRET_TYPES.map((t) => (
            <option key={t} value={t}>
              {SECRET_TYPE_DEFS[t].title}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Description">
        <TextInput value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      <FieldInputs fields={SECRET_TYPE_DEFS[type].fields} inputs={inputs} onChange={setInputs} />
      <Button type="submit" disabled={create.isPending}>
        Save
      </Button>
      <FormError error={create.error} className="w-full text-sm" />
    </InlineForm>
  );
}

/** After a change: the secrets' queries refetch, then `onDone`. */
function useRefreshThen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return (onDone: () => void) => async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.secrets.pathKey() });
    onDone();
  };
}

function RotateForm({ secret: s, onDone }: { secret: Entry; onDone: () => void }) {
  const trpc = useTRPC();
  const refreshThen = useRefreshThen();
  const [inputs, setInputs] = useState<Record<string, string | boolean>>({});
  const fields = SECRET_TYPE_DEFS[s.type].fields.filter((f) => f.secret);
  const rotate = useMutation(trpc.secrets.rotate.mutationOptions({ onSuccess: refreshThen(onDone) }));
  return (
    <InlineForm
      nested
      aria-label={`Rotate ${s.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        rotate.mutate({ name: s.name, values: valuesOf(fields, inputs) });
      }}
    >
      <FieldInputs fields={fields} inputs={inputs} onChange={setInputs} />
      <Button type="submit" disabled={rotate.isPending}>
        Rotate
      </Button>
      <span className="text-xs text-stone-500">Fields left empty keep their value. Runs that start later get it.</span>
      <FormError error={rotate.error} className="w-full text-sm" />
    </InlineForm>
  );
}

function EditForm({ secret: s, onDone }: { secret: Entry; onDone: () => void }) {
  const trpc = useTRPC();
  const refreshThen = useRefreshThen();
  const fields = SECRET_TYPE_DEFS[s.type].fields.filter((f) => !f.secret);
  const [description, setDescription] = useState(s.description);
  const [inputs, setInputs] = useState<Record<string, string | boolean>>(() =>
    Object.fromEntries(
      Object.entries(s.fields).map(([k, v]) => [k, typeof v === 'boolean' ? v : String(v ?? '')] as const),
    ),
  );
  const update = useMutation(trpc.secrets.update.mutationOptions({ onSuccess: refreshThen(onDone) }));
  return (
    <InlineForm
      nested
      aria-label={`Edit ${s.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        // an emptied optional field is cleared
        const values: Record<string, unknown> = Object.fromEntries(fields.map((f) => [f.name, null]));
        Object.assign(values, valuesOf(fields, inputs));
        update.mutate({ name: s.name, description, values });
      }}
    >
      <Field label="Description">
        <TextInput value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      <FieldInputs fields={fields} inputs={inputs} onChange={setInputs} />
      <Button type="submit" disabled={update.isPending}>
        Save
      </Button>
      <FormError error={update.error} className="w-full text-sm" />
    </InlineForm>
  );
}

function FieldInputs({
  fields,
  inputs,
  onChange,
}: {
  fields: SecretFieldDef[];
  inputs: Record<string, string | boolean>;
  onChange: (inputs: Record<string, string | boolean>) => void;
}) {
  const set = (name: string, value: string | boolean) => onChange({ ...inputs, [name]: value });
  return (
    <>
      {fields.map((f) => {
        const value = inputs[f.name];
        switch (f.input) {
          case 'boolean':
            return (
              <Field key={f.name} label={f.label} inline>
                <input type="checkbox" checked={value === true} onChange={(e) => set(f.name, e.target.checked)} />
              </Field>
            );
          case 'headers':
            return (
              <Field key={f.name} label={`${f.label} (one "Name: value" a line)`}>
                <TextArea
                  className="p-1"
                  rows={3}
                  value={typeof value === 'string' ? value : ''}
                  onChange={(e) => set(f.name, e.target.value)}
                  autoComplete="off"
                />
              </Field>
            );
          case 'text':
          case 'number':
          case 'url':
          case 'password':
            return (
              <Field key={f.name} label={f.label}>
                <TextInput
                  type={f.input}
                  value={typeof value === 'string' ? value : ''}
                  onChange={(e) => set(f.name, e.target.value)}
                  autoComplete={f.secret ? 'new-password' : 'off'}
                />
              </Field>
            );
          default: {
            const unreachable: never = f.input;
            return unreachable;
          }
        }
      })}
    </>
  );
}

/** The form's inputs as the API's values: empty inputs left out, numbers as numbers, headers as a record. */
function valuesOf(fields: SecretFieldDef[], inputs: Record<string, string | boolean>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const f of fields) {
    const input = inputs[f.name];
    if (f.input === 'boolean') {
      if (input !== undefined) values[f.name] = input === true;
      continue;
    }
    if (typeof input !== 'string' || input.trim() === '') continue;
    if (f.input === 'number') values[f.name] = Number(input);
    else if (f.input === 'headers')
      values[f.name] = Object.fromEntries(
        input
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean)
          .map((line) => {
            const at = line.indexOf(':');
            return at < 0 ? [line, ''] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
          }),
      );
    else values[f.name] = input;
  }
  return values;
}
