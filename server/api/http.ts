// The API over HTTP (/api/trpc): the fetch adapter with the request limits, and unexpected errors logged by id.
import { TRPCError, type AnyRouter } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import {
  formatBytes,
  MAX_BATCH_CALLS,
  MAX_REQUEST_BYTES,
  MAX_SPEC_REQUEST_BYTES,
  SPEC_PROCEDURES,
} from '~/common/limits';
import { appRouter } from './root';
import { createContext, errorId } from './trpc';

export const API_ENDPOINT = '/api/trpc';

/** The body limit of a request, by the procedures it calls: those that carry a spec may send more. */
function bodyLimit(url: URL): { bytes: number; message: string } {
  const paths = decodeURIComponent(url.pathname.slice(API_ENDPOINT.length + 1)).split(',');
  const specs = `${SPEC_PROCEDURES.slice(0, -1).join(', ')} and ${SPEC_PROCEDURES.at(-1)}`;
  const [limit, specLimit] = [formatBytes(MAX_REQUEST_BYTES), formatBytes(MAX_SPEC_REQUEST_BYTES)];
  if (paths.every((p) => SPEC_PROCEDURES.includes(p)))
    return {
      bytes: MAX_SPEC_REQUEST_BYTES,
      message: `The request body is larger than ${specLimit}, the most ${specs} accept (MAX_SPEC_REQUEST_BYTES)`,
    };
  return {
    bytes: MAX_REQUEST_BYTES,
    message:
      `The request body is larger than ${limit}, the most the API accepts ` +
      `(MAX_REQUEST_BYTES; ${specs} accept ${specLimit})`,
  };
}

/** The request with a body that fails (PAYLOAD_TOO_LARGE) once it passes the limit, before it is all read. */
function withBodyLimit(req: Request, limit: { bytes: number; message: string }): Request {
  if (!req.body) return req;
  const tooLarge = () => new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: limit.message });
  let size = 0;
  const body = req.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      start(controller) {
        if (Number(req.headers.get('content-length')) > limit.bytes) controller.error(tooLarge());
      },
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > limit.bytes) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Request(req, { body, duplex: 'half' } as RequestInit);
}

/** Handles one HTTP request to the API. Tests serving HTTP pass their own router or context. */
export function handleApiRequest(
  req: Request,
  opts: { router?: AnyRouter; createContext?: typeof createContext } = {},
): Promise<Response> {
  const limited = withBodyLimit(req, bodyLimit(new URL(req.url)));
  return fetchRequestHandler({
    endpoint: API_ENDPOINT,
    req: limited,
    router: opts.router ?? appRouter,
    maxBatchSize: MAX_BATCH_CALLS,
    createContext: ({ resHeaders }) => (opts.createContext ?? createContext)({ headers: req.headers, resHeaders }),
    onError({ error, path }) {
      // the client sees only the id (the error formatter); the cause stays here
      if (error.code === 'INTERNAL_SERVER_ERROR')
        console.error(`tRPC ${path} internal error ${errorId(error)}:`, error.cause ?? error);
    },
  });
}
