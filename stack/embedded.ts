// The embedded default stack used by `npm run setup`, `npm start` and the db scripts: ports and data locations.
import path from 'node:path';
import { DATA_DIR } from './paths';

export const EMBEDDED = {
  postgresDir: path.join(DATA_DIR, 'postgres'),
  postgresPort: Number(process.env.BREWLINE_PG_PORT ?? 54320),
  database: 'brewline',
  temporalDbFile: path.join(DATA_DIR, 'temporal.db'),
  temporalPort: Number(process.env.BREWLINE_TEMPORAL_PORT ?? 7233),
  temporalUiPort: Number(process.env.BREWLINE_TEMPORAL_UI_PORT ?? 8233),
  portalPort: Number(process.env.PORT ?? 3000),
};
