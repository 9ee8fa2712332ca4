// The bytes of one artifact, for <img> tags and downloads: the session cookie or a bearer token with the runs scope.
import { Readable } from 'node:stream';
import { createContext } from '~/server/api/trpc';
import { artifactStoreFor } from '~/server/artifacts/store';
import { accessDenied } from '~/server/auth/actor';
import { AppError, type AppErrorCode } from '~/server/errors';
import { openArtifact } from '~/server/presenters/artifacts';

export const dynamic = 'force-dynamic';

const STATUS: Partial<Record<AppErrorCode, number>> = { NOT_FOUND: 404, UNAUTHORIZED: 401, FORBIDDEN: 403 };

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  // the caller and the access rule of the API (runs.artifact): same actor, same check
  const ctx = await createContext({ headers: req.headers });
  const denied = accessDenied(ctx.actor, 'runs', 'viewer');
  if (denied) return Response.json({ error: denied.message }, { status: STATUS[denied.code] });
  try {
    const { artifact, body } = await openArtifact(ctx.db, artifactStoreFor(ctx.config), id);
    const name = artifact.name
      .split('/')
      .at(-1)!
      .replace(/[^\w.-]/g, '_');
    return new Response(Readable.toWeb(body) as ReadableStream, {
      headers: {
        'content-type': artifact.contentType,
        'content-length': String(artifact.size),
        'content-disposition': `inline; filename="${name}"`,
        etag: `"${artifact.sha256}"`,
        'x-content-sha256': artifact.sha256,
        // files may come from any step program: never let the browser run them as a page of ours
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
        'cache-control': 'private, max-age=3600, immutable',
      },
    });
  } catch (err) {
    if (err instanceof AppError && STATUS[err.code])
      return Response.json({ error: err.message }, { status: STATUS[err.code] });
    throw err;
  }
}
