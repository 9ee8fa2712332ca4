// Sessions and API tokens against the real database: hashed secrets, roles, scopes, revocation, expiry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '~/server/api/root';
import { createCallerFactory } from '~/server/api/trpc';
import { SCOPES, SESSION_COOKIE, type Actor } from '~/server/auth/actor';
import { resolveActor } from '~/server/auth/resolve-actor';
import { signIn } from '~/server/services/auth/sessions';
import { createUser } from '~/server/services/auth/users';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let admin: Actor;
const caller = (actor: Actor | null, resHeaders?: Headers) =>
  createCallerFactory(appRouter)({ db: t.db, temporal: t.temporal, config: t.config, actor, resHeaders });
const bearer = (token: string) => resolveActor(t.db, new Headers({ authorization: `Bearer ${token}` }));

beforeAll(async () => {
  t = await testContext();
  const u = await createUser(t.db, {
    email: `admin-${Date.now()}@example.com`,
    name: 'Ada',
    role: 'admin',
    password: 'correct horse battery',
  });
  admin = { kind: 'user', id: u.id, name: u.name, role: 'admin', scopes: SCOPES };
});
afterAll(() => t.close());

describe('sessions', () => {
  it('signs in with the right password only, and the cookie identifies the user', async () => {
    const email = `viewer-${Date.now()}@example.com`;
    await caller(admin).admin.createUser({ email, name: 'Vic', role: 'viewer', password: 'long enough pw' });
    await expect(
      signIn({ db: t.db, limits: t.config.signInLimits }, { email, password: 'wrong password', address: null }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const resHeaders = new Headers();
    await caller(null, resHeaders).auth.signIn({ email: email.toUpperCase(), password: 'long enough pw' });
    const cookie = resHeaders.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly; SameSite=Lax`));
    const value = cookie.split(';')[0]!;
    const actor = await resolveActor(t.db, new Headers({ cookie: value }));
    expect(actor).toMatchObject({ kind: 'user', name: 'Vic', role: 'viewer' });
    // only a hash of the cookie is stored
    const stored = await t.db.session.findMany({ where: { user: { email } } });
    expect(stored.map((s) => s.tokenHash)).not.toContain(decodeURIComponent(value.split('=')[1]!));
    await expect(caller(actor).runs.trigger({ pipelineSlug: 'x', params: {} })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('rejects a weak password and a duplicate email, naming the field', async () => {
    await expect(
      caller(admin).admin.createUser({ email: 'a@example.com', name: 'A', role: 'viewer', password: 'short' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      caller(admin).admin.createUser({
        email: admin.id ? (await t.db.user.findUniqueOrThrow({ where: { id: admin.id } })).email : '',
        name: 'A',
        role: 'viewer',
        password: 'long enough pw',
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('API tokens', () => {
  it('is shown once, stored hashed, limited by role and scope, and rejected once revoked', async () => {
    const created = await caller(admin).admin.createToken({
      name: 'recsys backend',
      role: 'viewer',
      scopes: ['runs'],
      expiresInDays: 30,
    });
    expect(created.token).toMatch(/^brw_/);
    const rows = await t.db.apiToken.findMany();
    expect(JSON.stringify(rows)).not.toContain(created.token);
    expect((await caller(admin).admin.tokens()).find((x) => x.id === created.id)).toMatchObject({
      prefix: created.token.slice(0, 10),
      scopes: ['runs'],
    });

    const actor = await bearer(created.token);
    expect(actor).toMatchObject({ kind: 'token', role: 'viewer', scopes: ['runs'] });
    await expect(caller(actor).runs.list({})).resolves.toHaveProperty('runs');
    await expect(caller(actor).pipelines.list()).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'This token lacks the pipelines scope',
    });
    await expect(caller(actor).runs.trigger({ pipelineSlug: 'x', params: {} })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    // tokens never administer
    await expect(caller({ ...actor!, role: 'admin' }).admin.users()).rejects.toMatchObject({ code: 'FORBIDDEN' });

    await caller(admin).admin.revokeToken({ id: created.id });
    expect(await bearer(created.token)).toBeNull();
    await expect(caller(await bearer(created.token)).runs.list({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('rejects an expired or unknown token, and a token above its creator', async () => {
    const created = await caller(admin).admin.createToken({ name: 'short-lived', role: 'editor', scopes: ['runs'] });
    await t.db.apiToken.update({ where: { id: created.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    expect(await bearer(created.token)).toBeNull();
    expect(await bearer('brw_not-a-real-token')).toBeNull();
    const editor: Actor = { ...admin, role: 'editor' };
    await expect(
      caller(editor).admin.createToken({ name: 'x', role: 'admin', scopes: ['runs'] }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
