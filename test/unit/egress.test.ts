// The platform's own outbound calls never reach internal addresses unless an admin allows them.
import { describe, expect, it } from 'vitest';
import { createEgressGuard, EgressRefusedError } from '~/workers/egress';

describe('egress', () => {
  const guard = createEgressGuard([]);
  it.each([
    'http://127.0.0.1:3000/api/trpc/admin.users',
    'http://localhost:7233/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.1.2.3/',
    'http://192.168.0.10/',
    'http://172.20.0.1/',
    'http://0.0.0.0:5432/',
    'file:///etc/passwd',
    'not a url',
  ])('refuses %s', async (url) => {
    await expect(guard.check(url)).rejects.toBeInstanceOf(EgressRefusedError);
  });

  it('lets public addresses through', async () => {
    await expect(guard.check('http://93.184.216.34/')).resolves.toBeUndefined();
    await expect(guard.check('https://[2606:4700::6810:85e5]/')).resolves.toBeUndefined();
  });

  it('lets through what an admin allows: an address, a range, a host name', async () => {
    const allowed = createEgressGuard(['127.0.0.1', '10.0.0.0/8', 'metrics.internal']);
    await expect(allowed.check('http://127.0.0.1:9000/')).resolves.toBeUndefined();
    await expect(allowed.check('http://10.9.8.7/')).resolves.toBeUndefined();
    await expect(allowed.check('http://metrics.internal/')).resolves.toBeUndefined();
    await expect(allowed.check('http://192.168.0.1/')).rejects.toBeInstanceOf(EgressRefusedError);
  });
});
