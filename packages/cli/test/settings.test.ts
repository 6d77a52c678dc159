import { describe, expect, it } from 'vitest';
import { CliError } from '../src/args.js';
import { parseDuration } from '../src/duration.js';
import { startSettings, storeSettings } from '../src/settings.js';

describe('start settings: flags, then environment, then defaults', () => {
  it('defaults to port 3000, 127.0.0.1, issuer http://localhost:<port>, SQLite in ./data', () => {
    const s = startSettings({}, {}, '/srv');
    expect(s).toMatchObject({ port: 3000, host: '127.0.0.1', issuer: 'http://localhost:3000', logLevel: 'info', dev: false });
    expect(s.store).toEqual({ kind: 'sqlite', dataDir: '/srv/data', filename: '/srv/data/tessera.db' });
  });

  it('reads PORT, HOST, TESSERA_ISSUER, TESSERA_DATA_DIR and TESSERA_LOG_LEVEL', () => {
    const env = { PORT: '8080', HOST: '0.0.0.0', TESSERA_ISSUER: 'https://id.example.com', TESSERA_DATA_DIR: '/var/lib/tessera', TESSERA_LOG_LEVEL: 'warn' };
    const s = startSettings({}, env, '/srv');
    expect(s).toMatchObject({ port: 8080, host: '0.0.0.0', issuer: 'https://id.example.com', logLevel: 'warn' });
    expect(s.store.dataDir).toBe('/var/lib/tessera');
  });

  it('lets flags win over the environment', () => {
    const s = startSettings({ port: '4000', data: 'here', issuer: 'https://a.example' }, { PORT: '8080', TESSERA_DATA_DIR: '/x', TESSERA_ISSUER: 'https://b.example' }, '/srv');
    expect(s.port).toBe(4000);
    expect(s.issuer).toBe('https://a.example');
    expect(s.store.dataDir).toBe('/srv/here');
  });

  it('derives the default issuer from the chosen port', () => {
    expect(startSettings({ port: '4567' }, {}, '/').issuer).toBe('http://localhost:4567');
  });

  it.each(['-1', '65536', 'abc', '80x', '1e3'])('rejects port %j with a message naming the source', (port) => {
    expect(() => startSettings({ port }, {}, '/')).toThrow(/--port must be a port number/);
    expect(() => startSettings({}, { PORT: port }, '/')).toThrow(/PORT must be a port number/);
  });

  it('rejects an unknown log level', () => {
    expect(() => startSettings({}, { TESSERA_LOG_LEVEL: 'loud' }, '/')).toThrow(CliError);
  });
});

describe('store settings', () => {
  it('selects PostgreSQL with a postgres:// URL from flag or TESSERA_DATABASE_URL', () => {
    expect(storeSettings({ store: 'postgres', 'database-url': 'postgres://u@h/db' }, {}, '/')).toMatchObject({ kind: 'postgres', url: 'postgres://u@h/db' });
    expect(storeSettings({}, { TESSERA_STORE: 'postgres', TESSERA_DATABASE_URL: 'postgresql://h/db' }, '/')).toMatchObject({ kind: 'postgres' });
  });

  it('refuses postgres without a URL, a non-postgres URL, an unknown store, and a URL for sqlite', () => {
    expect(() => storeSettings({ store: 'postgres' }, {}, '/')).toThrow(/needs --database-url/);
    expect(() => storeSettings({ store: 'postgres', 'database-url': 'mysql://h/db' }, {}, '/')).toThrow(/must start with postgres/);
    expect(() => storeSettings({ store: 'redis' }, {}, '/')).toThrow(/sqlite or postgres/);
    expect(() => storeSettings({ 'database-url': 'postgres://h/db' }, {}, '/')).toThrow(/needs --store postgres/);
  });
});

describe('durations for --ttl', () => {
  it.each([['600', 600], ['90s', 90], ['10m', 600], ['12h', 43_200], ['1d', 86_400]])('parses %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
  it.each(['', '0', '10x', '-5m', '1.5h', 'm', '10 m'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
