import { screenInput } from './input-screen';
import { walkInput } from './input-walk';

describe('input walk and screen', () => {
  it('visits every string and field name once, with its path', () => {
    const { visits } = walkInput({ a: 'x', b: [1, 'y', { c: 'z' }] });
    expect(visits).toHaveLength(6);
    expect(visits).toEqual(expect.arrayContaining([
      { path: 'a', key: 'a' },
      { path: 'a', text: 'x' },
      { path: 'b', key: 'b' },
      { path: 'b[1]', text: 'y' },
      { path: 'b[2].c', key: 'c' },
      { path: 'b[2].c', text: 'z' },
    ]));
  });

  it('walks 100,000 levels of nesting without recursion', () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 100_000; level++) deep = [deep];
    expect(walkInput(deep, Number.POSITIVE_INFINITY).visits).toHaveLength(1);
    expect(walkInput(deep).tooDeep).toBeDefined();
  });

  it('refuses nesting deeper than any request needs, naming where', () => {
    expect(screenInput({ reason: JSON.parse('['.repeat(40) + ']'.repeat(40)) })).toEqual([{ field: expect.stringMatching(/^reason\[0\]/), message: 'nests too deeply' }]);
  });

  it.each([
    ['a NUL byte', 'a\u0000b'],
    ['a bell', 'a\u0007b'],
    ['DEL', 'a\u007fb'],
    ['a lone high surrogate', 'a\ud800'],
    ['a lone low surrogate', '\udc00b'],
  ])('refuses text with %s, naming the field', (_, text) => {
    expect(screenInput({ comment: text })).toEqual([{ field: 'comment', message: expect.any(String) }]);
  });

  it('refuses a field name with a NUL without repeating the name', () => {
    expect(screenInput({ 'rea\u0000son': 'x' })).toEqual([{ field: '(field name)', message: expect.any(String) }]);
  });

  it('lets tabs, line breaks, emoji and other scripts through', () => {
    expect(screenInput({ comment: 'linje 1\r\nlinje 2\tÆØÅ 😀 ‮ 中文' })).toEqual([]);
  });
});
