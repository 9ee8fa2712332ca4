// Liveness: the portal process answers. It calls nothing else, so a database outage never gets the portal restarted.
export const dynamic = 'force-dynamic';

export function GET() {
  return Response.json({ ok: true }, { headers: { 'cache-control': 'no-store' } });
}
