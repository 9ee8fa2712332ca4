// Who is calling: a portal user (session cookie) or a program (API token, "Authorization: Bearer ...").
// Roles say what a caller may do (a viewer only reads); token scopes say which parts of the API it may use.
export type Role = 'viewer' | 'editor' | 'admin';
export const ROLES: Role[] = ['viewer', 'editor', 'admin'];
export const ROLE_RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

export const SCOPES = ['pipelines', 'runs', 'models', 'schedules', 'results'] as const;
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
