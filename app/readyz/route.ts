// Readiness: the portal's database and Temporal answer (200), else 503 naming what failed, so a load balancer sends
// requests only to a portal that can serve them. Through the process's one Prisma client and one Temporal client.
import { db } from '~/server/db';
import { databaseProbe, readiness, temporalProbe } from '~/server/presenters/health';
import { temporal } from '~/server/temporal/client';

export const dynamic = 'force-dynamic';

export async function GET() {
  const { ready, checks } = await readiness({ database: databaseProbe(db()), temporal: temporalProbe(temporal) });
  return Response.json(checks, { status: ready ? 200 : 503, headers: { 'cache-control': 'no-store' } });
}
