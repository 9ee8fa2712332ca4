// The bytes of one artifact, for <img> tags and downloads: the session cookie or a bearer token with the runs scope.
import { Readable } from 'node:stream';
import { artifactStoreFor, ArtifactNotFoundError } from '~/server/artifacts/store';
import { resolveActor } from '~/server/auth/resolve-actor';
import { db } from '~/server/db';
import { config } from '~/server/env';

export const dynamic = 'force-dynamic';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const database = db();
  const actor = await resolveActor(database, req.headers);
  if (!actor) return Response.json({ error: 'Sign in or pass an API token' }, { status: 401 });
  if (!actor.scopes.includes('runs'))
    return Response.json({ error: 'This token lacks the runs scope' }, { status: 403 });
  const row = UUID.test(id) ? await database.artifact.findUnique({ where: { id } }) : null;
  if (!row) return Response.json({ error: `artifact ${id} not found` }, { status: 404 });
  try {
    const body = await artifactStoreFor(config()).open(row.uri);
    const name = row.name
      .split('/')
      .at(-1)!
      .replace(/[^\w.-]/g, '_');
    return new Response(Readable.toWeb(body) as ReadableStream, {
      headers: {
        'content-type': row.contentType,
        'content-length': String(row.size),
        'content-disposition': `inline; filename="${name}"`,
        etag: `"${row.sha256}"`,
        'x-content-sha256': row.sha256,
        // files may come from any step program: never let the browser run them as a page of ours
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
        'cache-control': 'private, max-age=3600, immutable',
      },
    });
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) return Response.json({ error: err.message }, { status: 404 });
    throw err;
  }
}
