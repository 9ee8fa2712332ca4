// The values of a step's placeholders on this worker (the grammar is common/placeholders.ts).
import { fillPlaceholders, type Placeholder } from '~/common/placeholders';
import type { StepRequest } from '~/common/run-contract';
import { resultAt } from '~/common/step-output';
import type { AttemptFiles } from './attempt-files';
import { badInput } from './step-failures';
import { neededOutputDir, stepSharedDir } from './step-dirs';

export interface PlaceholderValues {
  req: StepRequest;
  dataDir: string;
  attempt: number;
  /** None for a sensor's check: {out}, {inputs} and {result} then have no value. */
  files?: AttemptFiles;
}

/** Fills a text's placeholders; one without a value fails the attempt as bad input. */
export function fillStepPlaceholders(text: string, values: PlaceholderValues): string {
  return fillPlaceholders(
    text,
    (placeholder) => placeholderValue(placeholder, values),
    (name) => {
      throw badInput(values.req, `placeholder {${name}} has no value`);
    },
  );
}

function placeholderValue(placeholder: Placeholder, { req, dataDir, attempt, files }: PlaceholderValues) {
  switch (placeholder.kind) {
    case 'item':
      return req.itemKey;
    case 'run':
      return req.runId;
    case 'out':
      return files?.outDir;
    case 'inputs':
      return files?.inputsFile;
    case 'result':
      return files?.resultFile;
    case 'attempt':
      return String(attempt);
    case 'runDir':
      return stepSharedDir(dataDir, req);
    case 'in': {
      const needed = req.needs.find((n) => n.id === placeholder.step);
      if (!needed) return undefined;
      if (!placeholder.result) return neededOutputDir(dataDir, req.runId, req.itemKey, needed);
      return text(resultAt(req.inputs?.[placeholder.step]?.result, placeholder.result));
    }
    case 'model': {
      const model = req.models[req.step.id];
      if (!model) return undefined;
      if (placeholder.field === 'uri') return model.artifactUri;
      return placeholder.field === 'name' ? model.name : String(model.version);
    }
    case 'params':
      return text(req.params[placeholder.name]);
    case 'unknown':
      return undefined;
    default: {
      const unreachable: never = placeholder;
      throw new Error(`unknown placeholder ${JSON.stringify(unreachable)}`);
    }
  }
}

/** A string as it is; anything else as JSON. */
function text(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
