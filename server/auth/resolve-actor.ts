import type { Db } from '~/server/db';
import { userForSession } from '~/server/services/auth/sessions';
import { actorForToken } from '~/server/services/auth/tokens';
import { SCOPES, SESSION_COOKIE, type Actor } from './actor';

export function cookie(headers: Headers, name: string): string | undefined {
  for (const part of (headers.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** The caller of a request: a bearer token wins over a session cookie; null when neither is valid. */
export async function resolveActor(db: Db, headers: Headers): Promise<Actor | null> {
  const auth = headers.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m ? actorForToken(db, m[1]!) : null;
  }
  const session = cookie(headers, SESSION_COOKIE);
  if (!session) return null;
  const user = await userForSession(db, session);
  return user ? { kind: 'user', id: user.id, name: user.name, role: user.role, scopes: SCOPES } : null;
}
