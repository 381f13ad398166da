import { NutClient, NutServerError, nutQuote, nutWords } from './nut-client.adapter';

describe('NUT reply words', () => {
  it('splits words and unquotes quoted ones with their escapes', () => {
    expect(nutWords('VAR su700 ups.status "OB LB"')).toEqual(['VAR', 'su700', 'ups.status', 'OB LB']);
    expect(nutWords('UPS rack1 "the \\"big\\" one \\\\ east"')).toEqual(['UPS', 'rack1', 'the "big" one \\ east']);
    expect(nutWords('VAR a b ""')).toEqual(['VAR', 'a', 'b', '']);
    expect(nutWords('ERR ACCESS-DENIED')).toEqual(['ERR', 'ACCESS-DENIED']);
  });

  it('quotes a request argument so that it reads back unchanged', () => {
    for (const value of ['plain', 'with space', 'a "quote"', 'back\\slash', '']) expect(nutWords(`PASSWORD ${nutQuote(value)}`)).toEqual(['PASSWORD', value]);
    expect(() => nutQuote('two\nlines')).toThrow('line break');
  });
});

describe('NutServerError', () => {
  it("names upsd's code and what to do", () => {
    const error = new NutServerError('DATA-STALE', '10.0.0.5:3493', 'GET VAR rack1 ups.status');
    expect(error).toMatchObject({ code: 'nut-data-stale', nutCode: 'DATA-STALE' });
    expect(error.message).toBe("10.0.0.5:3493 answered GET VAR rack1 ups.status with ERR DATA-STALE: the UPS's driver has lost contact with the hardware: check its cable or network");
  });
});

describe('NutClient requests', () => {
  it('refuses names that are not NUT names before sending anything', async () => {
    const client = new NutClient({ host: '127.0.0.1', port: 1 });
    await expect(client.getVar('rack 1', 'ups.status')).rejects.toMatchObject({ code: 'nut-bad-request' });
    await expect(client.getVar('rack1', 'ups.status\nLOGOUT')).rejects.toMatchObject({ code: 'nut-bad-request' });
  });

  it('needs a secret store for a credential', () => {
    expect(() => new NutClient({ host: 'h', credential: { username: 'u', passwordRef: 'p' } })).toThrow('secret store');
  });
});
