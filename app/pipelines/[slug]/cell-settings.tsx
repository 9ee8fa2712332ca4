'use client';
// A cell's settings in one compact row: its id and title, the cells it needs, its queue, model, secrets and
// network. Text fields apply when they lose focus (an id half typed would rename the cell at every key).
import { useEffect, useState } from 'react';
import type { ModelRef } from '~/common/model-ref';
import type { StepSpec } from '~/common/pipeline-spec';
import { QUEUES } from '~/common/queues';
import { Select, TextButton, TextInput } from '../../_components/forms';
import { Chip } from '../../_components/ui';

/** "name@alias" or "name@3" (a version). */
export function modelText(model: ModelRef | undefined): string {
  if (!model) return '';
  return model.alias ? `${model.name}@${model.alias}` : `${model.name}@${model.version}`;
}

export function parseModel(text: string): ModelRef | undefined {
  const [name, at] = text.trim().split('@');
  if (!name) return undefined;
  // neither alias nor version: the server says which is missing
  if (at === undefined || at === '') return { name };
  return /^\d+$/.test(at) ? { name, version: Number(at) } : { name, alias: at };
}

/** "VAR=secret-name, OTHER=name" */
export function secretsText(secrets: Record<string, string> | undefined): string {
  return Object.entries(secrets ?? {})
    .map(([variable, name]) => `${variable}=${name}`)
    .join(', ');
}

export function parseSecrets(text: string): Record<string, string> | undefined {
  const entries = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((pair) => {
      const [variable = '', ...name] = pair.split('=');
      return [variable.trim(), name.join('=').trim()] as const;
    });
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** A text field applied on blur or Enter. */
function LazyText({
  value,
  onApply,
  label,
  placeholder,
  className,
  readOnly,
}: {
  value: string;
  onApply: (value: string) => void;
  label: string;
  placeholder?: string;
  className?: string;
  readOnly: boolean;
}) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <TextInput
      aria-label={label}
      value={text}
      placeholder={placeholder}
      readOnly={readOnly}
      className={`px-1.5 py-0.5 text-xs ${className ?? ''}`}
      onChange={(e) => setText(e.target.value)}
      onBlur={() => text !== value && onApply(text)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          if (text !== value) onApply(text);
        }
      }}
    />
  );
}

export function CellSettings({
  step,
  others,
  readOnly,
  onChange,
  onRename,
}: {
  step: StepSpec;
  /** The cells this one may need (runnable cells other than itself). */
  others: string[];
  readOnly: boolean;
  onChange: (change: (step: StepSpec) => StepSpec) => void;
  onRename: (id: string) => void;
}) {
  const sandboxed = step.kind === 'python' || step.kind === 'shell' || step.kind === 'command';
  const addable = others.filter((id) => !step.needs.includes(id));
  return (
    <fieldset
      className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-stone-600"
      aria-label={`Settings of ${step.id}`}
    >
      <span className="flex items-center gap-1">
        id
        <LazyText
          label={`Id of ${step.id}`}
          value={step.id}
          readOnly={readOnly}
          className="w-28 font-mono"
          onApply={(id) => onRename(id.trim())}
        />
      </span>
      <span className="flex items-center gap-1">
        title
        <LazyText
          label={`Title of ${step.id}`}
          value={step.title ?? ''}
          readOnly={readOnly}
          className="w-40"
          placeholder={step.id}
          onApply={(title) => onChange(({ title: _old, ...s }) => (title.trim() ? { ...s, title: title.trim() } : s))}
        />
      </span>
      {step.kind !== 'markdown' && (
        <span className="flex flex-wrap items-center gap-1" data-testid={`needs-${step.id}`}>
          needs
          {step.needs.length === 0 && <span className="text-stone-400">nothing</span>}
          {step.needs.map((id) => (
            <Chip key={id} tone="stone" className="font-mono">
              {id}
              {!readOnly && (
                <TextButton
                  tone="muted"
                  className="ml-1 no-underline"
                  aria-label={`${step.id} no longer needs ${id}`}
                  onClick={() => onChange((s) => ({ ...s, needs: s.needs.filter((n) => n !== id) }))}
                >
                  ×
                </TextButton>
              )}
            </Chip>
          ))}
          {!readOnly && addable.length > 0 && (
            <Select
              aria-label={`Add a cell ${step.id} needs`}
              value=""
              className="px-1 py-0 text-xs"
              onChange={(e) => {
                const id = e.target.value;
                if (id) onChange((s) => ({ ...s, needs: [...s.needs, id] }));
              }}
            >
              <option value="">+ need…</option>
              {addable.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </Select>
          )}
        </span>
      )}
      {step.kind !== 'markdown' && (
        <span className="flex items-center gap-1">
          queue
          <Select
            aria-label={`Queue of ${step.id}`}
            value={step.queue}
            disabled={readOnly}
            className="px-1 py-0 text-xs"
            onChange={(e) => onChange((s) => ({ ...s, queue: e.target.value as StepSpec['queue'] }))}
          >
            {QUEUES.map((q) => (
              <option key={q} value={q}>
                {q.toUpperCase()}
              </option>
            ))}
          </Select>
        </span>
      )}
      {step.kind !== 'markdown' && (
        <span className="flex items-center gap-1">
          model
          <LazyText
            label={`Model of ${step.id}`}
            value={modelText(step.model)}
            readOnly={readOnly}
            placeholder="name@alias"
            className="w-32 font-mono"
            onApply={(text) => onChange(({ model: _old, ...s }) => ({ ...s, ...withValue('model', parseModel(text)) }))}
          />
        </span>
      )}
      {sandboxed && (
        <span className="flex items-center gap-1">
          secrets
          <LazyText
            label={`Secrets of ${step.id}`}
            value={secretsText(step.secrets)}
            readOnly={readOnly}
            placeholder="VAR=secret-name"
            className="w-40 font-mono"
            onApply={(text) =>
              onChange(({ secrets: _old, ...s }) => ({ ...s, ...withValue('secrets', parseSecrets(text)) }))
            }
          />
        </span>
      )}
      {sandboxed && (
        <label className="flex items-center gap-1">
          <input
            type="checkbox"
            aria-label={`Network for ${step.id}`}
            checked={step.network !== false}
            disabled={readOnly}
            onChange={(e) => onChange(({ network: _old, ...s }) => (e.target.checked ? s : { ...s, network: false }))}
          />
          network
        </label>
      )}
    </fieldset>
  );
}

/** `{ [key]: value }`, or nothing when the value is absent (the spec leaves the field out). */
function withValue<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
