// Who is calling. Until sign-in and API tokens exist, the portal of a local install acts as one local operator
// (BREWLINE_AUTH=local, the default); any other setting refuses every call rather than guessing.
export type Role = 'viewer' | 'editor' | 'admin';
export const ROLE_RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

export interface Actor {
  id: string;
  role: Role;
}

export function resolveActor(_headers: Headers, env: Record<string, string | undefined> = process.env): Actor | null {
  if ((env.BREWLINE_AUTH ?? 'local') !== 'local') return null;
  const role = (env.BREWLINE_LOCAL_ROLE ?? 'admin') as Role;
  return ROLE_RANK[role] === undefined ? null : { id: 'local-operator', role };
}

export function hasRole(actor: Actor, needed: Role): boolean {
  return ROLE_RANK[actor.role] >= ROLE_RANK[needed];
}
