// The real CLI as a separate process: wrong usage exits 2 with a one-line reason and the usage on
// stderr; --help exits 0 with the usage on stdout.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli, tmpDir } from './helpers.js';

beforeAll(() => buildCli(), 120_000);

describe('tessera usage errors', { timeout: 90_000 }, () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /missing command/],
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['an option before the command', ['--port', '1'], /unknown option "--port"/],
    ['an unknown flag', ['start', '--bogus'], /Unknown option '--bogus'/],
    ['a flag without its value', ['start', '--port'], /argument missing/],
    ['a stray argument', ['start', 'now'], /unexpected argument "now"/],
    ['clients without a sub-command', ['clients'], /missing command/],
    ['clients create without --name', ['clients', 'create'], /missing required flag --name/],
    ['clients create with an empty --name', ['clients', 'create', '--name', ''], /--name must not be empty/],
    ['clients delete without an id', ['clients', 'delete'], /missing CLIENT_ID/],
    ['resources create with an unknown format', ['resources', 'create', '--id', 'https://api.example', '--format', 'xml'], /--format must be jwt or opaque/],
    ['resources create with a bad ttl', ['resources', 'create', '--id', 'https://api.example', '--format', 'jwt', '--ttl', '10x'], /--ttl "10x" is not a duration/],
    ['keys with an unknown sub-command', ['keys', 'burn'], /unknown keys command "burn"/],
    ['keys rotate with a typo', ['keys', 'rotate', '--imediate'], /Unknown option '--imediate'/],
  ];
  it.each(cases)('exits 2 on %s, with the reason and the usage on stderr', async (_what, args, reason) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const [first] = r.stderr.split('\n');
    expect(first).toMatch(/^tessera: /);
    expect(first).toMatch(reason);
    expect(r.stderr).toContain('usage: tessera');
  });

  it.each([[['--help']], [['start', '--help']], [['clients', 'create', '--help']], [['resources', '--help']], [['keys', 'list', '-h']], [['token', 'decode', '--help']]])(
    'prints usage on stdout and exits 0 for %j',
    async (args) => {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('usage: tessera');
      expect(r.stderr).toBe('');
    },
  );

  it('refuses to start outside dev mode without a master key, explaining how to make one (exit 1)', async () => {
    const dir = tmpDir();
    const r = await runCli(['start', '--data', dir, '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no master key/);
    expect(r.stderr).toMatch(/TESSERA_MASTER_KEY_FILE/);
  });

  it('reports a bad PORT from the environment as a one-line error (exit 2, an invalid setting)', async () => {
    const r = await runCli(['start', '--dev', '--data', tmpDir()], { PORT: 'eighty' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('tessera: PORT must be a port number between 0 and 65535, not "eighty"');
  });

  it.each([
    ['a flag\'s value', ['--port', 'abc'], {}, /--port must be a port number/],
    ['a store kind', ['--store', 'mysql'], {}, /--store must be sqlite or postgres/],
    ['an algorithm from the environment', [], { TESSERA_ACCESS_TOKEN_ALG: 'HS256' }, /TESSERA_ACCESS_TOKEN_ALG must be one of/],
    ['a policy preset from the environment', [], { TESSERA_POLICY_PRESET: 'lenient' }, /TESSERA_POLICY_PRESET must be/],
    ['an issuer the server refuses', [], { TESSERA_ISSUER: 'ftp://id.example' }, /issuer: issuer must be an https URL/],
    ['two master key sources', [], { TESSERA_MASTER_KEY: 'a', TESSERA_MASTER_KEY_FILE: '/nonexistent' }, /not both/],
    ['a devices file that cannot be read', [], { TESSERA_DEVICES_CONFIG: '/nonexistent/devices.json' }, /TESSERA_DEVICES_CONFIG: cannot read/],
    ['a policy file that cannot be read', [], { TESSERA_POLICY_FILE: '/nonexistent/policy.cedar' }, /TESSERA_POLICY_FILE: cannot read/],
  ] as const)('stops on an invalid setting (%s) with exit 2 before serving anything', async (_what, flags, env, message) => {
    const r = await runCli(['start', '--dev', '--data', tmpDir(), '--port', '0', ...flags], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toMatch(/listening/);
  });
});
