// Who is calling: a portal user (session cookie) or a program (API token, "Authorization: Bearer ...").
// Roles say what a caller may do (a viewer only reads); token scopes say which parts of the API it may use.
export type Role = 'viewer' | 'editor' | 'admin';
export const ROLES: Role[] = ['viewer', 'editor', 'admin'];
export const ROLE_RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

export const SCOPES = ['pipelines', 'runs', 'models', 'schedules', 'results', 'secrets'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Actor {
  kind: 'user' | 'token';
  id: string;
  name: string;
  role: Role;
  scopes: readonly Scope[];
}

export const SESSION_COOKIE = 'brewline_session';

export function hasRole(actor: Pick<Actor, 'role'>, needed: Role): boolean {
  return ROLE_RANK[actor.role] >= ROLE_RANK[needed];
}

export const SIGN_IN_NEEDED = 'Sign in or pass an API token';

/** Why a caller may not use a part of the API (a 401 or a 403), or null when it may. */
export interface AccessDenied {
  code: 'UNAUTHORIZED' | 'FORBIDDEN';
  message: string;
}

/**
 * The one access rule of the API: a caller needs at least `role` and, for API tokens, the `scope` (sessions have
 * every scope). tRPC's procedures and the routes beside them (artifact downloads) both ask it.
 */
export function accessDenied(actor: Actor | null, scope: Scope, role: Role): AccessDenied | null {
  if (!actor) return { code: 'UNAUTHORIZED', message: SIGN_IN_NEEDED };
  if (!hasRole(actor, role)) return { code: 'FORBIDDEN', message: `This needs the ${role} role` };
  if (!actor.scopes.includes(scope)) return { code: 'FORBIDDEN', message: `This token lacks the ${scope} scope` };
  return null;
}
