import { describe, expect, it } from 'vitest';
import { itemKeyProblem, itemKeysProblems } from '~/common/item-key';

describe('item keys', () => {
  it('accepts dong names and plain identifiers', () => {
    for (const key of ['역삼1동', '성수1가1동', 'dong_42', 'a.b-c', '_x']) {
      expect(itemKeyProblem(key), key).toBeNull();
    }
  });

  it.each([
    ['', /empty/],
    ['a/b', /path separators/],
    ['a\\b', /path separators/],
    ['..', /only letters/],
    ['-rf', /only letters/],
    ['a\nb', /control characters/],
    ['x'.repeat(129), /at most 128/],
    ['a b', /only letters/],
    ['$(rm)', /only letters/],
  ])('rejects %j', (key, message) => {
    expect(itemKeyProblem(key)).toMatch(message);
  });

  it('names each bad or duplicate key in a list', () => {
    expect(itemKeysProblems(['a', 'a', '../x'])).toEqual([
      'items[1] "a" is a duplicate',
      'items[2] "../x" must not contain path separators',
    ]);
    expect(itemKeysProblems('a')).toEqual(['items must be a JSON array of item keys']);
  });
});
