// Issue 12, sign-in and administration: the sign-in limiter (batches too), cross-site POSTs with the session cookie,
// the redirect after sign-in, password hashes, what admins do to people (and that only admins can), a person's own
// password, and the first admin's generated password file. Against the real Postgres; HTTP through tRPC's fetch
// handler with the portal's context.
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hash } from '@node-rs/argon2';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { safeNext } from '~/app/signin/safe-next';
import { appRouter } from '~/server/api/root';
import { createCallerFactory, createContext } from '~/server/api/trpc';
import { SCOPES, SESSION_COOKIE, type Actor, type Role } from '~/server/auth/actor';
import { resolveActor } from '~/server/auth/resolve-actor';
import { createDb, type Db } from '~/server/db';
import type { AppConfig } from '~/server/env';
import { ADMIN_CREDENTIALS_FILE, saveGeneratedAdminPassword } from '~/server/services/auth/first-admin';
import { signIn } from '~/server/services/auth/sessions';
import { createUser } from '~/server/services/auth/users';
import { deployMigrations } from '~/stack/migrate';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let admin: Actor;
const PORTAL = 'http://localhost:3000'; // BREWLINE_PUBLIC_URL's default
const PASSWORD = 'correct horse battery';

const caller = (actor: Actor | null, opts: { headers?: Headers; db?: Db; config?: AppConfig } = {}) =>
  createCallerFactory(appRouter)({
    db: opts.db ?? t.db,
    temporal: t.temporal,
    config: opts.config ?? t.config,
    actor,
    headers: opts.headers,
  });
const unique = (what: string) => `${what}-${randomUUID().slice(0, 8)}@example.com`;
const asActor = (u: { id: string; name: string; role: Role }): Actor => ({ kind: 'user', ...u, scopes: SCOPES });
async function person(role: Role, db: Db = t.db) {
  return asActor(await createUser(db, { email: unique(role), name: `Test ${role}`, role, password: PASSWORD }));
}
const emailOf = async (actor: Actor, db: Db = t.db) =>
  (await db.user.findUniqueOrThrow({ where: { id: actor.id } })).email;
const sessionOf = async (email: string, password = PASSWORD) =>
  (await signIn({ db: t.db, limits: t.config.signInLimits }, { email, password, address: null })).cookie;
const cookieHeader = (cookie: string) => `${SESSION_COOKIE}=${encodeURIComponent(cookie)}`;
const bySession = (cookie: string) => resolveActor(t.db, new Headers({ cookie: cookieHeader(cookie) }));
const byToken = (token: string) => resolveActor(t.db, new Headers({ authorization: `Bearer ${token}` }));

/** The portal's tRPC endpoint: the route's handler, with this test's database and configuration. */
function serve(req: Request, config = t.config) {
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: ({ resHeaders }) =>
      createContext({ headers: req.headers, resHeaders }, { db: t.db, config, temporal: t.temporal }),
  });
}
function post(procedures: string[], inputs: unknown[], headers: Record<string, string>, config?: AppConfig) {
  const batch = procedures.length > 1;
  return serve(
    new Request(`${PORTAL}/api/trpc/${procedures.join(',')}${batch ? '?batch=1' : ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(
        batch ? Object.fromEntries(inputs.map((input, i) => [i, { json: input }])) : { json: inputs[0] },
      ),
    }),
    config,
  );
}
type Answer = { result?: unknown; error?: { json: { message: string; data: { code: string; httpStatus: number } } } };
const codesOf = (answers: Answer[]) => answers.map((a) => a.error?.json.data.code ?? 'OK');

beforeAll(async () => {
  t = await testContext();
  admin = await person('admin');
});
afterAll(() => t.close());

describe('the sign-in limiter', () => {
  it('refuses an account after too many failures, even with the right password, and keeps the count in \
Postgres', async () => {
    const who = await person('viewer');
    const email = await emailOf(who);
    const { perAccount } = t.config.signInLimits;
    for (let i = 0; i < perAccount; i++)
      await expect(caller(null).auth.signIn({ email, password: 'wrong password' })).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    await expect(caller(null).auth.signIn({ email: email.toUpperCase(), password: PASSWORD })).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringMatching(/^Too many failed sign-ins for this account: try again in \d+ minutes?$/),
    });
    // a restarted portal (a new connection, a new process) reads the same count
    const fresh = createDb(t.config.databaseUrl, 1);
    try {
      await expect(caller(null, { db: fresh }).auth.signIn({ email, password: PASSWORD })).rejects.toMatchObject({
        code: 'TOO_MANY_REQUESTS',
      });
    } finally {
      await fresh.$disconnect();
    }
    // once the window has passed, the right password works again
    await t.db.signInThrottle.update({
      where: { key: `account:${email}` },
      data: { windowStart: new Date(Date.now() - t.config.signInLimits.windowMs - 1_000) },
    });
    await expect(caller(null).auth.signIn({ email, password: PASSWORD })).resolves.toEqual({ ok: true });
  });

  it('counts every signIn call of a batch as an attempt, and answers 429 past the limit', async () => {
    const email = await emailOf(await person('viewer'));
    const address = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const headers = { origin: PORTAL, 'x-forwarded-for': address };
    const { perAccount } = t.config.signInLimits;
    const tries = perAccount + 5;
    const res = await post(
      Array.from({ length: tries }, () => 'auth.signIn'),
      Array.from({ length: tries }, (_, i) => ({ email, password: `guess number ${i}` })),
      headers,
    );
    const codes = codesOf((await res.json()) as Answer[]);
    expect(codes.filter((c) => c === 'UNAUTHORIZED')).toHaveLength(perAccount);
    expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS')).toHaveLength(tries - perAccount);
    // the right password, alone, is refused too: HTTP 429 with a message that says when to come back
    const right = await post(['auth.signIn'], [{ email, password: PASSWORD }], headers);
    expect(right.status).toBe(429);
    expect(((await right.json()) as Answer).error?.json.message).toMatch(/try again in \d+ minute/);
  });

  it('limits an address across accounts, and not other addresses', async () => {
    const config = { ...t.config, signInLimits: { ...t.config.signInLimits, perAddress: 5 } };
    const address = `203.0.113.${Math.floor(Math.random() * 250)}`;
    const headers = { origin: PORTAL, 'x-forwarded-for': `10.0.0.1, ${address}` };
    for (let i = 0; i < 5; i++) {
      const res = await post(
        ['auth.signIn'],
        [{ email: unique('nobody'), password: 'wrong password' }],
        headers,
        config,
      );
      expect(res.status).toBe(401);
    }
    const email = await emailOf(await person('viewer'));
    const blocked = await post(['auth.signIn'], [{ email, password: PASSWORD }], headers, config);
    expect(blocked.status).toBe(429);
    expect(((await blocked.json()) as Answer).error?.json.message).toMatch(/from your address/);
    const elsewhere = { origin: PORTAL, 'x-forwarded-for': `${address}, 192.0.2.7` };
    const ok = await post(['auth.signIn'], [{ email, password: PASSWORD }], elsewhere, config);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-cookie')).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
  });
});

describe('cross-site requests', () => {
  it('refuses a multipart POST from another origin that would sign a user out, and keeps the session', async () => {
    const email = await emailOf(await person('viewer'));
    const cookie = await sessionOf(email);
    const signOutFrom = (headers: Record<string, string>) => {
      const form = new FormData();
      form.set('x', '1');
      return serve(
        new Request(`${PORTAL}/api/trpc/auth.signOut`, {
          method: 'POST',
          headers: { cookie: cookieHeader(cookie), ...headers },
          body: form,
        }),
      );
    };
    expect((await signOutFrom({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await signOutFrom({ origin: 'null' })).status).toBe(403);
    expect((await signOutFrom({ referer: 'https://evil.example/page' })).status).toBe(403);
    // with the cookie, a POST that names no page at all is refused too
    expect((await signOutFrom({})).status).toBe(403);
    expect(await bySession(cookie)).toMatchObject({ kind: 'user' });
    // from the portal's own page (its public URL, or the host it was reached at) it works
    expect((await signOutFrom({ origin: 'http://portal.internal:8080', host: 'portal.internal:8080' })).status).toBe(
      200,
    );
    expect(await bySession(cookie)).toBeNull();
    const again = await sessionOf(email);
    const res = await post(['auth.signOut'], [undefined], { cookie: cookieHeader(again), referer: `${PORTAL}/runs` });
    expect(res.status).toBe(200);
    expect(await bySession(again)).toBeNull();
  });

  it('refuses a sign-in posted from another site, and leaves bearer-token calls alone', async () => {
    const email = await emailOf(await person('viewer'));
    const login = await post(['auth.signIn'], [{ email, password: PASSWORD }], { origin: 'https://evil.example' });
    expect(login.status).toBe(403);
    expect(login.headers.get('set-cookie')).toBeNull();

    const { token } = await caller(admin).admin.createToken({ name: 'ci', role: 'viewer', scopes: ['pipelines'] });
    const res = await post(['pipelines.validate'], [{ spec: {} }], {
      authorization: `Bearer ${token}`,
      origin: 'https://elsewhere.example',
    });
    expect(res.status).toBe(200);
  });
});

describe('the page after sign-in', () => {
  it('goes only to a path on this site', () => {
    for (const offSite of [
      '//evil.example',
      '//evil.example/pipelines',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      'https://evil.example',
      'javascript:alert(1)',
      'pipelines',
      '',
      null,
    ])
      expect(safeNext(offSite)).toBe('/pipelines');
    expect(safeNext('/runs/0193?tab=grid#item-3')).toBe('/runs/0193?tab=grid#item-3');
    expect(safeNext('/pipelines/cafe-monthly')).toBe('/pipelines/cafe-monthly');
  });
});

describe('password hashes', () => {
  it('are argon2id at 19 MiB and 2 passes, and an older, weaker hash is replaced at sign-in', async () => {
    const who = await person('viewer');
    const email = await emailOf(who);
    const stored = async () => (await t.db.user.findUniqueOrThrow({ where: { id: who.id } })).passwordHash;
    expect(await stored()).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    // a hash of the library's former defaults (4 MiB, 3 passes) still verifies, and is upgraded
    await t.db.user.update({
      where: { id: who.id },
      data: { passwordHash: await hash(PASSWORD, { memoryCost: 4096, timeCost: 3, parallelism: 1 }) },
    });
    expect(await stored()).toMatch(/m=4096,t=3/);
    await sessionOf(email);
    expect(await stored()).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await expect(sessionOf(email)).resolves.toBeTruthy();
  });
});

describe('administering people', () => {
  it('lets only admins signed in to the portal call any admin procedure: not editors, tokens or nobody', async () => {
    const paths = Object.keys(appRouter._def.procedures).filter((p) => p.startsWith('admin.'));
    expect(paths).toEqual(
      expect.arrayContaining(['admin.setRole', 'admin.setDisabled', 'admin.resetPassword', 'admin.endSessions']),
    );
    const editor = await person('editor');
    const { token } = await caller(admin).admin.createToken({ name: 'all', role: 'admin', scopes: [...SCOPES] });
    const adminToken = await byToken(token);
    expect(adminToken).toMatchObject({ kind: 'token', role: 'admin' });
    const call = (actor: Actor | null, p: string) => {
      const api = caller(actor) as unknown as Record<string, Record<string, (input?: unknown) => Promise<unknown>>>;
      return api.admin![p.slice('admin.'.length)]!({ userId: editor.id, role: 'admin', disabled: false, id: 'x' });
    };
    for (const p of paths) {
      await expect(call(editor, p), p).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(call(adminToken, p), p).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(call(null, p), p).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    }
    // in particular, an editor cannot make themselves admin
    expect((await t.db.user.findUniqueOrThrow({ where: { id: editor.id } })).role).toBe('editor');
  });

  it('disables a person: their sign-in, sessions and tokens stop at once; enabling restores sign-in and \
tokens', async () => {
    const other = await person('admin');
    const email = await emailOf(other);
    const cookie = await sessionOf(email);
    const { token } = await caller(other).admin.createToken({ name: 'theirs', role: 'editor', scopes: ['runs'] });
    expect(await byToken(token)).toMatchObject({ role: 'editor' });

    await caller(admin).admin.setDisabled({ userId: other.id, disabled: true });
    expect(await bySession(cookie)).toBeNull();
    expect(await byToken(token)).toBeNull();
    await expect(sessionOf(email)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await caller(admin).admin.users()).find((u) => u.id === other.id)).toMatchObject({
      disabledAt: expect.any(Date),
      sessions: 0,
    });

    await caller(admin).admin.setDisabled({ userId: other.id, disabled: false });
    expect(await bySession(cookie)).toBeNull(); // ended, not paused
    expect(await byToken(token)).toMatchObject({ role: 'editor' });
    await expect(sessionOf(email)).resolves.toBeTruthy();
  });

  it("changes a role at once, for the person's sessions and for the tokens they created", async () => {
    const other = await person('admin');
    const cookie = await sessionOf(await emailOf(other));
    const { token } = await caller(other).admin.createToken({ name: 'theirs', role: 'editor', scopes: ['runs'] });
    await caller(admin).admin.setRole({ userId: other.id, role: 'viewer' });
    expect(await bySession(cookie)).toMatchObject({ role: 'viewer' });
    // a token acts with no more than its creator's present role
    const actor = await byToken(token);
    expect(actor).toMatchObject({ role: 'viewer' });
    await expect(caller(actor).runs.cancel({ runId: randomUUID() })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('resets a password (shown once, sessions end) and ends sessions', async () => {
    const other = await person('editor');
    const email = await emailOf(other);
    const first = await sessionOf(email);
    const { password } = await caller(admin).admin.resetPassword({ userId: other.id });
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(await bySession(first)).toBeNull();
    await expect(sessionOf(email)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const second = await sessionOf(email, password);
    expect(await bySession(second)).toMatchObject({ id: other.id });
    expect(JSON.stringify(await t.db.user.findUniqueOrThrow({ where: { id: other.id } }))).not.toContain(password);

    await expect(caller(admin).admin.endSessions({ userId: other.id })).resolves.toEqual({ ended: 1 });
    expect(await bySession(second)).toBeNull();
  });

  it('never demotes or disables the last active admin, even when two admins demote each other at once', async () => {
    // a database of its own: the shared one holds other files' admins
    const name = `last_admin_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const url = new URL(inject('stack').databaseUrl);
    url.pathname = `/${name}`;
    await t.db.$executeRawUnsafe(`CREATE DATABASE "${name}"`);
    await deployMigrations(url.toString());
    const db = createDb(url.toString(), 4);
    try {
      const [a, b] = [await person('admin', db), await person('admin', db)];
      const api = (actor: Actor) => caller(actor, { db }).admin;
      const demotions = await Promise.allSettled([
        api(a).setRole({ userId: b.id, role: 'editor' }),
        api(b).setRole({ userId: a.id, role: 'editor' }),
      ]);
      expect(demotions.map((d) => d.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = demotions.find((d) => d.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/last active admin/) });
      const [last] = await db.user.findMany({ where: { role: 'admin', disabledAt: null } });
      expect(last).toBeDefined();
      const lastAdmin = asActor(last!);
      await expect(api(lastAdmin).setDisabled({ userId: last!.id, disabled: true })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      await expect(api(lastAdmin).setRole({ userId: last!.id, role: 'viewer' })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect(await db.user.count({ where: { role: 'admin', disabledAt: null } })).toBe(1);
      // with another admin, the same change goes through
      const c = await person('admin', db);
      await api(lastAdmin).setRole({ userId: last!.id, role: 'viewer' });
      await expect(api(c).setDisabled({ userId: c.id, disabled: true })).rejects.toMatchObject({ code: 'CONFLICT' });
    } finally {
      await db.$disconnect();
      await t.db.$executeRawUnsafe(`DROP DATABASE "${name}" WITH (FORCE)`);
    }
  });
});

describe('changing your own password', () => {
  it('needs the current password, and ends your other sessions but not this one', async () => {
    const who = await person('editor');
    const email = await emailOf(who);
    const here = await sessionOf(email);
    const there = await sessionOf(email);
    const headers = new Headers({ cookie: cookieHeader(here), origin: PORTAL });
    await expect(
      caller(who, { headers }).auth.changePassword({
        currentPassword: 'not my password',
        newPassword: 'a new long password',
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', cause: { fields: [{ path: ['currentPassword'] }] } });
    await expect(
      caller(who, { headers }).auth.changePassword({ currentPassword: PASSWORD, newPassword: 'short' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      caller(who, { headers }).auth.changePassword({ currentPassword: PASSWORD, newPassword: 'a new long password' }),
    ).resolves.toEqual({ endedSessions: 1 });
    expect(await bySession(here)).toMatchObject({ id: who.id });
    expect(await bySession(there)).toBeNull();
    await expect(sessionOf(email)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(sessionOf(email, 'a new long password')).resolves.toBeTruthy();

    const { token } = await caller(admin).admin.createToken({ name: 'prog', role: 'viewer', scopes: ['runs'] });
    await expect(
      caller(await byToken(token)).auth.changePassword({ currentPassword: 'x', newPassword: 'a new long password' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe("the first admin's generated password", () => {
  it('is written readable by its owner only, even over an older file, and removed at that admin’s first \
sign-in', async () => {
    const dir = t.config.dataDir;
    const file = path.join(dir, ADMIN_CREDENTIALS_FILE);
    const email = unique('first-admin');
    // a file an older setup left, readable by everyone (writeFile's mode applied only when it created the file)
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, 'email: someone@example.com\npassword: old\n');
    chmodSync(file, 0o644);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    saveGeneratedAdminPassword(dir, email, PASSWORD);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    await createUser(t.db, { email, name: 'First', role: 'admin', password: PASSWORD });
    // someone else's sign-in leaves it
    await caller(null).auth.signIn({ email: await emailOf(admin), password: PASSWORD });
    expect(existsSync(file)).toBe(true);
    await caller(null).auth.signIn({ email, password: PASSWORD });
    expect(existsSync(file)).toBe(false);
  });
});
