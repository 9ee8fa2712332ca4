// The workflow bundle's entry: every workflow type a worker registers.
export { pipelineRun } from './pipeline-run';
export { itemRun } from './item-run';
export { scheduledRun } from './scheduled-run';
