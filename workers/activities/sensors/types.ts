// What every kind of sensor check gets, and what it answers.

export interface SensorContext {
  /** The step, as errors begin (step-failures.ts). */
  where: string;
  itemKey: string;
  /** Fills the check's placeholders ({item}, {params.x}, ...). */
  fill: (text: string) => string;
}

export interface SensorReading {
  met: boolean;
  /** What was looked for, for the attempt's log: "file /data/in/mapo.json". */
  what: string;
}
