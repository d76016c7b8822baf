import { formatUserCode, newUserCode, normalizeUserCode, USER_CODE_ALPHABET } from './user-code';

describe('user codes (RFC 8628 §6.1)', () => {
  it('are eight consonants in two halves, without vowels or look-alike characters', () => {
    for (let i = 0; i < 200; i++) {
      const code = newUserCode();
      expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    }
    expect(USER_CODE_ALPHABET).not.toMatch(/[AEIOUY0-9]/);
  });

  it.each([
    ['WDJB-MJHT', 'WDJBMJHT'],
    ['wdjb-mjht', 'WDJBMJHT'],
    [' wdjb mjht ', 'WDJBMJHT'],
    ['WDJBMJHT', 'WDJBMJHT'],
    ['WD.JB_MJ-HT', 'WDJBMJHT'],
  ])('reads %j as %s', (input, expected) => {
    expect(normalizeUserCode(input)).toBe(expected);
  });

  it.each([['WDJB-MJH'], ['WDJB-MJHTX'], ['AEIO-U000'], [''], [42], [undefined], ['W'.repeat(65)]])(
    'refuses %j',
    (input) => {
      expect(normalizeUserCode(input)).toBeNull();
    },
  );

  it('formats a normalized code back to its display form', () => {
    expect(formatUserCode('WDJBMJHT')).toBe('WDJB-MJHT');
  });
});
