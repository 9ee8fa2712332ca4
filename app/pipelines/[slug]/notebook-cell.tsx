'use client';
// One notebook cell: its header (kind, queue, model; run, move, delete), its settings, its body (code in an
// editor, Markdown rendered, or a command step's definition), the problems the server found with it, and under it
// its output. Editors add a Python, shell or Markdown cell below any cell.
import { useState, type ReactNode } from 'react';
import { isCodeKind, type StepSpec } from '~/common/pipeline-spec';
import { Button, TextArea } from '../../_components/forms';
import { Card, Chip, ErrorText } from '../../_components/ui';
import { CellSettings } from './cell-settings';
import { CodeEditor } from './code-editor';
import { MarkdownCell } from './markdown-cell';

export type NewCellKind = 'python' | 'shell' | 'markdown';

export interface CellActions {
  edit: (change: (step: StepSpec) => StepSpec) => void;
  rename: (id: string) => void;
  move: (by: -1 | 1) => void;
  remove: () => void;
  addBelow: (kind: NewCellKind) => void;
  run: () => void;
  runBelow: () => void;
}

/** Cells that can run on their own, one item at a time. */
export const runsOnItems = (step: StepSpec) =>
  step.scope === 'item' && step.kind !== 'markdown' && step.kind !== 'sensor';

export function NotebookCell({
  index,
  step,
  others,
  editable,
  first,
  last,
  problems,
  item,
  canRun,
  running,
  actions,
  children,
}: {
  index: number;
  step: StepSpec;
  /** The cells this one may need. */
  others: string[];
  editable: boolean;
  first: boolean;
  last: boolean;
  problems: string[];
  /** The item its run buttons run it on. */
  item: string;
  canRun: boolean;
  running: boolean;
  actions: CellActions;
  children?: ReactNode;
}) {
  const title = step.title ?? step.id;
  return (
    <Card as="article" aria-labelledby={`cell-${step.id}`} data-testid={`cell-${step.id}`} data-kind={step.kind}>
      <header className="flex flex-wrap items-center gap-2 border-b border-stone-100 px-4 py-2">
        <span className="font-mono text-xs text-stone-400">[{index}]</span>
        <h3 id={`cell-${step.id}`} className="font-medium">
          {title}
        </h3>
        <Chip tone="stone">{step.kind}</Chip>
        {step.kind !== 'markdown' && (
          <Chip tone={step.queue === 'gpu' ? 'violet' : 'grey'}>{step.queue.toUpperCase()}</Chip>
        )}
        {step.scope !== 'item' && <Chip tone="sky">run-level · {step.scope}</Chip>}
        {step.model && (
          <Chip tone="amber">
            model {step.model.name}
            {step.model.alias ? `@${step.model.alias}` : ` v${step.model.version}`}
          </Chip>
        )}
        <div className="ml-auto flex flex-wrap gap-1">
          {canRun && runsOnItems(step) && (
            <>
              <Button
                variant="outline"
                size="sm"
                onClick={actions.run}
                disabled={running || !item}
                aria-label={`Run cell ${step.id} on item ${item}`}
              >
                ▶ Run on {item || '…'}
              </Button>
              <Button
                variant="secondary"
                size="sm"
                onClick={actions.runBelow}
                disabled={running || !item}
                aria-label={`Run cell ${step.id} and all below on item ${item}`}
                title="Run this cell, then each cell below it, each on the previous one's output"
              >
                ▶▶ all below
              </Button>
            </>
          )}
          {editable && (
            <>
              <Button
                variant="secondary"
                size="sm"
                disabled={first}
                onClick={() => actions.move(-1)}
                aria-label={`Move cell ${step.id} up`}
              >
                ↑
              </Button>
              <Button
                variant="secondary"
                size="sm"
                disabled={last}
                onClick={() => actions.move(1)}
                aria-label={`Move cell ${step.id} down`}
              >
                ↓
              </Button>
              <Button variant="danger" size="sm" onClick={actions.remove} aria-label={`Delete cell ${step.id}`}>
                ✕
              </Button>
            </>
          )}
        </div>
      </header>
      <div className="space-y-2 px-4 py-3 text-sm">
        {(editable || step.kind !== 'markdown') && (
          <CellSettings
            step={step}
            others={others}
            readOnly={!editable}
            onChange={actions.edit}
            onRename={actions.rename}
          />
        )}
        <CellBody step={step} editable={editable} edit={actions.edit} />
        {problems.length > 0 && (
          <ErrorText className="text-xs" data-testid={`problems-${step.id}`}>
            {problems.join('; ')}
          </ErrorText>
        )}
        {children}
      </div>
      {editable && (
        <footer className="flex items-center gap-2 border-t border-stone-100 px-4 py-1 text-xs text-stone-500">
          add below:
          {(['python', 'shell', 'markdown'] as const).map((kind) => (
            <Button
              key={kind}
              variant="secondary"
              size="sm"
              onClick={() => actions.addBelow(kind)}
              aria-label={`Add a ${KIND_WORDS[kind]} cell below ${step.id}`}
            >
              + {KIND_WORDS[kind]}
            </Button>
          ))}
        </footer>
      )}
    </Card>
  );
}

const KIND_WORDS: Record<NewCellKind, string> = { python: 'Python', shell: 'shell', markdown: 'Markdown' };

function CellBody({
  step,
  editable,
  edit,
}: {
  step: StepSpec;
  editable: boolean;
  edit: (change: (step: StepSpec) => StepSpec) => void;
}) {
  if (isCodeKind(step.kind))
    return (
      <CodeEditor
        value={step.code ?? ''}
        language={step.kind === 'python' ? 'python' : 'shell'}
        label={`Code of ${step.id}`}
        readOnly={!editable}
        onChange={(code) => edit((s) => ({ ...s, code }))}
      />
    );
  if (step.kind === 'markdown')
    return (
      <MarkdownCell
        id={step.id}
        text={step.markdown ?? ''}
        editable={editable}
        onChange={(markdown) => edit((s) => ({ ...s, markdown }))}
      />
    );
  return <StepDefinition step={step} editable={editable} edit={edit} />;
}

/** A command, builtin, sensor or no-op step: what it runs, and (editors) its definition as JSON. */
function StepDefinition({
  step,
  editable,
  edit,
}: {
  step: StepSpec;
  editable: boolean;
  edit: (change: (step: StepSpec) => StepSpec) => void;
}) {
  const [text, setText] = useState<string | null>(null);
  const [parseError, setParseError] = useState<string | null>(null);
  if (text !== null)
    return (
      <div className="space-y-2">
        <label className="sr-only" htmlFor={`edit-${step.id}`}>
          Definition of {step.id}
        </label>
        <TextArea
          id={`edit-${step.id}`}
          value={text}
          onChange={(e) => setText(e.target.value)}
          rows={Math.min(24, text.split('\n').length + 1)}
          className="w-full p-2"
        />
        {parseError && <ErrorText className="text-xs">{parseError}</ErrorText>}
        <div className="flex gap-2">
          <Button
            size="sm"
            onClick={() => {
              try {
                const edited = JSON.parse(text) as StepSpec;
                setParseError(null);
                edit(() => edited);
                setText(null);
              } catch (err) {
                setParseError(`not valid JSON: ${(err as Error).message}`);
              }
            }}
          >
            Apply to the draft
          </Button>
          <Button variant="secondary" size="sm" onClick={() => setText(null)}>
            Cancel
          </Button>
        </div>
      </div>
    );
  return (
    <div className="space-y-1">
      {step.command && (
        <pre className="overflow-x-auto rounded bg-stone-50 p-2 font-mono text-xs">
          {step.command.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}
        </pre>
      )}
      {step.builtin && <p className="font-mono text-xs">builtin {step.builtin}</p>}
      {step.sensor && (
        <p className="font-mono text-xs">
          waits for {JSON.stringify(step.sensor.check)} · every {step.sensor.pokeIntervalMs / 1000} s · up to{' '}
          {step.sensor.timeoutMs / 1000} s, then {step.sensor.onTimeout}
        </p>
      )}
      <div className="flex items-center gap-2 text-xs text-stone-500">
        <span>
          {`retry ${step.retry.maxAttempts}× (backoff ${step.retry.initialIntervalMs} ms × `}
          {`${step.retry.backoffCoefficient}) · timeout ${Math.round(step.timeouts.startToCloseMs / 1000)} s`}
        </span>
        {editable && (
          <Button
            variant="secondary"
            size="sm"
            className="ml-auto"
            onClick={() => setText(JSON.stringify(step, null, 2))}
            aria-label={`Edit cell ${step.id}`}
          >
            Edit definition
          </Button>
        )}
      </div>
    </div>
  );
}
