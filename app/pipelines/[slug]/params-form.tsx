'use client';
// The notebook's first cell, "Parameters": the pipeline's params as a form, typed inputs with their defaults and
// constraints, checked as you type with the same rules the server applies; the server's field errors show beside
// their fields.
import { useMemo, useState } from 'react';
import { paramValueProblem, type ParamSpec } from '~/common/pipeline-spec';
import { Button, fieldErrorsOf, Select, TextArea, TextInput } from '../../_components/forms';
import { Card, ErrorText } from '../../_components/ui';

type Values = Record<string, string | boolean>;

function initial(param: ParamSpec): string | boolean {
  if (param.type === 'boolean') return param.default === true;
  if (param.default === undefined) return '';
  return param.type === 'string[]' ? (param.default as string[]).join('\n') : String(param.default);
}

function parse(param: ParamSpec, raw: string | boolean): unknown {
  if (param.type === 'boolean') return raw === true;
  const text = String(raw);
  if (param.type === 'string[]')
    return text
      .split(/[\n,]/)
      .map((s) => s.trim())
      .filter(Boolean);
  if (param.type === 'number' || param.type === 'integer') return text.trim() === '' ? undefined : Number(text);
  return text;
}

export function ParamsForm({
  params,
  itemsParam,
  canRun,
  live = true,
  pending,
  error,
  onRun,
  note,
}: {
  params: Record<string, ParamSpec>;
  itemsParam?: string;
  canRun: boolean;
  /** False until the page rendered on the server is live: values typed before would not be kept. */
  live?: boolean;
  pending: boolean;
  error: { message: string; data?: unknown } | null;
  onRun: (params: Record<string, unknown>) => void;
  /** A line beside the run button. */
  note?: string;
}) {
  const [values, setValues] = useState<Values>(() =>
    Object.fromEntries(Object.entries(params).map(([n, p]) => [n, initial(p)])),
  );
  const problems = useMemo(
    () =>
      Object.fromEntries(
        Object.entries(params).map(([name, param]) => {
          const value = parse(param, values[name] ?? '');
          return [
            name,
            value === undefined || value === ''
              ? param.default === undefined
                ? 'is required'
                : null
              : paramValueProblem(param, value),
          ];
        }),
      ),
    [params, values],
  );
  const serverFields = fieldErrorsOf(error);
  const entries = Object.entries(params);
  return (
    <Card
      as="form"
      className="space-y-3 p-4"
      aria-label="Params"
      onSubmit={(e) => {
        e.preventDefault();
        if (Object.values(problems).some(Boolean)) return;
        onRun(
          Object.fromEntries(
            entries.map(([n, p]) => [n, parse(p, values[n] ?? '')]).filter(([, v]) => v !== undefined && v !== ''),
          ),
        );
      }}
    >
      <header className="flex items-center gap-2">
        <span className="font-mono text-xs text-stone-400">[0]</span>
        <h2 className="font-medium">Parameters</h2>
      </header>
      {entries.length === 0 && <p className="text-sm text-stone-500">This pipeline takes no params.</p>}
      <div className="grid gap-3 md:grid-cols-2">
        {entries.map(([name, param]) => {
          const problem = problems[name];
          const server = serverFields.find((f) => f.path.join('.') === `params.${name}`)?.message;
          const id = `param-${name}`;
          return (
            <div key={name} className="flex flex-col gap-1 text-sm">
              <label htmlFor={id} className="font-medium">
                {name}{' '}
                <span className="font-mono text-xs text-stone-500">
                  {param.type}
                  {name === itemsParam ? ' · the items' : ''}
                </span>
              </label>
              {param.type === 'boolean' ? (
                <input
                  id={id}
                  type="checkbox"
                  checked={values[name] === true}
                  disabled={!live}
                  onChange={(e) => setValues({ ...values, [name]: e.target.checked })}
                  className="h-4 w-4"
                />
              ) : param.type === 'string[]' ? (
                <TextArea
                  id={id}
                  rows={3}
                  readOnly={!live}
                  value={String(values[name] ?? '')}
                  onChange={(e) => setValues({ ...values, [name]: e.target.value })}
                  className="px-2 py-1"
                  aria-describedby={`${id}-help`}
                  aria-invalid={!!(problem ?? server)}
                />
              ) : param.enum ? (
                <Select
                  id={id}
                  disabled={!live}
                  value={String(values[name] ?? '')}
                  onChange={(e) => setValues({ ...values, [name]: e.target.value })}
                >
                  {param.enum.map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </Select>
              ) : (
                <TextInput
                  id={id}
                  type={param.type === 'string' ? 'text' : 'number'}
                  step={param.type === 'integer' ? 1 : 'any'}
                  readOnly={!live}
                  value={String(values[name] ?? '')}
                  onChange={(e) => setValues({ ...values, [name]: e.target.value })}
                  aria-describedby={`${id}-help`}
                  aria-invalid={!!(problem ?? server)}
                />
              )}
              <span id={`${id}-help`} className="text-xs text-stone-500">
                {param.description}
                {param.description && !/[.!?]$/.test(param.description) ? '.' : ''}
                {param.type === 'string[]' ? ' One per line or comma separated.' : ''}
                {param.path ? ' A path inside the repository (no "..") or in a shared folder.' : ''}
                {param.min !== undefined ? ` min ${param.min}.` : ''}
                {param.max !== undefined ? ` max ${param.max}.` : ''}
              </span>
              {(problem ?? server) && (
                <span role="alert" className="text-xs text-red-700">
                  {name} {problem ?? server}
                </span>
              )}
            </div>
          );
        })}
      </div>
      {error && !serverFields.length && <ErrorText className="text-sm">{error.message}</ErrorText>}
      {canRun && (
        <div className="flex items-center gap-3">
          <Button type="submit" size="lg" disabled={pending}>
            Run with these params
          </Button>
          {note && <span className="text-xs text-stone-500">{note}</span>}
        </div>
      )}
    </Card>
  );
}
