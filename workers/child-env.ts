// What the worker's child processes (step commands, model runners) see of its environment: an allow-list, so code
// a pipeline runs never sees the worker's database URL or tokens.

/** The environment a worker was configured from (AppConfig.environment). */
export type Environment = Readonly<Record<string, string | undefined>>;

export const INHERITED_ENV = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'CUDA_VISIBLE_DEVICES',
  'PYTHONPATH',
  'VIRTUAL_ENV',
  'HF_HOME',
] as const;

/** The allow-listed variables that are set. */
export function inheritedEnv(environment: Environment): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = environment[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** A model runner's: the allow-listed variables, and the settings meant for runners (BREWLINE_RUNNER_*). */
export function runnerEnv(environment: Environment): Record<string, string> {
  const env = inheritedEnv(environment);
  for (const [name, value] of Object.entries(environment))
    if (name.startsWith('BREWLINE_RUNNER_') && value !== undefined) env[name] = value;
  return env;
}
