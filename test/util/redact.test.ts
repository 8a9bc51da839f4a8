import { redactUrl, safeDecode, scrubDeep, scrubUrlMessage, urlSecrets } from '../../src/util/redact';

describe('redactUrl', () => {
  it.each([
    ['rtsp://viewer:s3cret@cam.local/stream1', 'rtsp://***@cam.local/stream1'],
    // Raw '@' in the password: the user info ends at the last '@' of the authority.
    ['rtsp://viewer:p@ss@w0rd@cam.local:554/s', 'rtsp://***@cam.local:554/s'],
    ['postgres://app:a:b:c@db/vision', 'postgres://***@db/vision'],
    ['postgres://app:100%@db/vision', 'postgres://***@db/vision'],
    ['postgres://app:%E0%A4%A@db/vision', 'postgres://***@db/vision'],
    ['http://u:pa/ss@host/x', 'http://***@host/x'],
    ['http://cam/x?token=abc&user=me', 'http://cam/x?token=***&user=me'],
    [
      'http://cam/x?api_key=k1&Password=p%40ss&X-Amz-Signature=zz',
      'http://cam/x?api_key=***&Password=***&X-Amz-Signature=***',
    ],
    ['https://host/cb#access_token=xyz', 'https://host/cb#access_token=***'],
  ])('%s -> %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('leaves URLs without credentials and plain paths alone', () => {
    expect(redactUrl('http://cam.local:8080/a/b?fps=5')).toBe('http://cam.local:8080/a/b?fps=5');
    expect(redactUrl('http://[::1]:8080/x')).toBe('http://[::1]:8080/x');
    expect(redactUrl('/videos/hall.mp4')).toBe('/videos/hall.mp4');
  });
});

describe('urlSecrets', () => {
  it('gives the password raw and decoded, the user info, and secret query values, longest first', () => {
    const s = urlSecrets('rtsp://admin:p%40ss:w@rd@cam/x?token=t0k%2Fen');
    expect(s).toEqual(
      expect.arrayContaining(['admin:p%40ss:w@rd', 'p%40ss:w@rd', 'p@ss:w@rd', 't0k%2Fen', 't0k/en']),
    );
    expect([...s].sort((a, b) => b.length - a.length)).toEqual(s);
  });

  it('never throws on a bad % escape (it used to, in the error path of a 401)', () => {
    expect(() => urlSecrets('rtsp://u:100%zz%@cam/x')).not.toThrow();
    expect(urlSecrets('rtsp://u:100%zz%@cam/x')).toContain('100%zz%');
    expect(safeDecode('a%40b%zz%E0%A4')).toBe('a@b%zz%E0%A4');
  });
});

describe('scrubUrlMessage', () => {
  it('redacts every URL in a text and removes the given secrets wherever they appear', () => {
    const url = 'rtsp://viewer:p@ss%w0rd@cam/s';
    const message = `Failed to open ${url}: 401 Unauthorized (password p@ss%w0rd rejected) see http://x/?key=abc`;
    const out = scrubUrlMessage(message, urlSecrets(url));
    expect(out).not.toMatch(/p@ss|w0rd|abc/);
    expect(out).toContain('401 Unauthorized');
    expect(out).toContain('cam/s');
  });
});

describe('scrubDeep', () => {
  it('scrubs strings in objects, arrays and errors, and keeps values that need nothing', () => {
    const clean = { a: 1, b: ['x'] };
    expect(scrubDeep(clean)).toBe(clean);
    const err = new Error('cannot reach postgres://app:hunter2@db/x');
    const out = scrubDeep({ err, list: ['rtsp://u:hunter2@c/'] }) as Record<string, unknown>;
    expect(JSON.stringify(out)).not.toContain('hunter2');
    expect((out.err as { message: string }).message).toBe('cannot reach postgres://***@db/x');
  });
});
