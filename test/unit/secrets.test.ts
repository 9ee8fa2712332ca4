// The pure parts of secrets: the key's forms, encryption bound to its row, masking, and the spec's rules.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pipelineSpecProblems } from '~/common/pipeline-spec';
import { secretKeyBytes } from '~/server/env';
import { decryptValues, encryptValues, SecretDecryptError } from '~/server/services/secrets/crypto';
import { createMasker } from '~/server/services/secrets/mask';

describe('the secret key', () => {
  it('takes 32 bytes as hex or base64 (either alphabet), and nothing else', () => {
    const key = randomBytes(32);
    expect(secretKeyBytes(key.toString('hex'))).toEqual(key);
    expect(secretKeyBytes(key.toString('base64'))).toEqual(key);
    expect(secretKeyBytes(key.toString('base64url'))).toEqual(key);
    expect(secretKeyBytes(randomBytes(16).toString('base64'))).toBeNull();
    expect(secretKeyBytes('correct horse battery staple')).toBeNull();
  });
});

describe('encryption', () => {
  it('round-trips, and refuses another key, another row or an altered ciphertext', () => {
    const key = randomBytes(32);
    const blob = encryptValues(key, 'row-1', { password: 'hunter22' });
    expect(blob).not.toContain('hunter22');
    expect(decryptValues(key, 'row-1', blob)).toEqual({ password: 'hunter22' });
    // a fresh IV each time
    expect(encryptValues(key, 'row-1', { password: 'hunter22' })).not.toBe(blob);
    expect(() => decryptValues(randomBytes(32), 'row-1', blob)).toThrow(SecretDecryptError);
    expect(() => decryptValues(key, 'row-2', blob)).toThrow(SecretDecryptError);
    const [v, iv, tag, ct] = blob.split('.');
    const flipped = Buffer.from(ct!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => decryptValues(key, 'row-1', [v, iv, tag, flipped.toString('base64url')].join('.'))).toThrow(
      SecretDecryptError,
    );
  });
});

describe('masking', () => {
  const mask = createMasker(['s3cr3t-value', 'a"b\\c/d e', 'abc']);

  it('masks values as written, JSON-escaped and percent-encoded; not values shorter than 4 characters', () => {
    expect(mask.text('key=s3cr3t-value; again s3cr3t-value')).toBe('key=***; again ***');
    expect(mask.text(JSON.stringify({ v: 'a"b\\c/d e' }))).toBe('{"v":"***"}');
    expect(mask.text(`https://x/?q=${encodeURIComponent('a"b\\c/d e')}`)).toBe('https://x/?q=***');
    expect(mask.text('abc stays')).toBe('abc stays');
  });

  it('masks the end of a value left at the start of a cut log, strings and keys in JSON, and errors', () => {
    expect(mask.tail('cr3t-value then more')).toBe('*** then more');
    expect(mask.json({ 's3cr3t-value': ['s3cr3t-value', 1, { x: 'has s3cr3t-value' }] })).toEqual({
      '***': ['***', 1, { x: 'has ***' }],
    });
    const err = new Error('failed with s3cr3t-value', { cause: new Error('because s3cr3t-value') });
    mask.error(err);
    expect(err.message).toBe('failed with ***');
    expect(err.stack).not.toContain('s3cr3t-value');
    expect((err.cause as Error).message).toBe('because ***');
  });
});

describe('the spec', () => {
  const spec = (step: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    slug: 'with-secrets',
    name: 'With secrets',
    items: { source: 'file', path: 'x.json' },
    steps: [{ id: 's', ...step }],
    ...extra,
  });

  it('gives secrets and connections to command steps and code cells only, by valid names, each variable \
once', () => {
    expect(
      pipelineSpecProblems(
        spec({ kind: 'command', command: ['x'], secrets: { KEY: 'kakao-api' }, connection: 'recsys-db' }),
      ),
    ).toEqual([]);
    for (const kind of ['python', 'shell'])
      expect(
        pipelineSpecProblems(spec({ kind, code: 'x', secrets: { KEY: 'kakao-api' }, connection: 'recsys-db' })),
      ).toEqual([]);
    expect(pipelineSpecProblems(spec({ kind: 'builtin', builtin: 'x.y', secrets: { KEY: 'kakao-api' } }))).toEqual([
      { path: ['steps', 0, 'secrets'], message: 'only command steps and code cells are given secrets' },
    ]);
    expect(
      pipelineSpecProblems(spec({ kind: 'command', command: ['x'], env: { KEY: 'a' }, secrets: { KEY: 'k-1' } })),
    ).toEqual([{ path: ['steps', 0, 'secrets', 'KEY'], message: 'is also set in env: name it once' }]);
    expect(
      pipelineSpecProblems(spec({ kind: 'command', command: ['x'], secrets: { KEY: 'Bad Name' } })).map((p) =>
        p.path.join('.'),
      ),
    ).toEqual(['steps.0.secrets.KEY']);
  });

  it('takes an alert url or a connection, exactly one; a SQL sensor a connection, never a variable', () => {
    const noop = { kind: 'noop' };
    const alert = (a: Record<string, unknown>) => spec(noop, { alerts: [{ on: ['failure'], type: 'slack', ...a }] });
    expect(pipelineSpecProblems(alert({ connection: 'team-slack' }))).toEqual([]);
    expect(pipelineSpecProblems(alert({})).map((p) => p.path.join('.'))).toEqual(['alerts.0.url']);
    expect(
      pipelineSpecProblems(alert({ url: 'https://hooks.example/x', connection: 'team-slack' })).map((p) =>
        p.path.join('.'),
      ),
    ).toEqual(['alerts.0.url']);
    const sensor = (check: Record<string, unknown>) =>
      spec({ kind: 'sensor', sensor: { check: { type: 'sql', query: 'SELECT 1', ...check } } });
    expect(pipelineSpecProblems(sensor({ connection: 'recsys-db' }))).toEqual([]);
    expect(pipelineSpecProblems(sensor({ databaseEnv: 'DATABASE_URL' })).length).toBeGreaterThan(0);
  });
});
