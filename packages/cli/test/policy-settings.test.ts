import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStorage } from '@tessera/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../src/args.js';
import { startTessera } from '../src/server-api.js';
import { startSettings } from '../src/settings.js';

describe('access policy settings (TESSERA_POLICY_FILE, TESSERA_POLICY_PRESET)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-policy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the Cedar text from the file and the preset from the environment; neither → no policy section', () => {
    writeFileSync(join(dir, 'policy.cedar'), '@id("all") permit (principal, action, resource);');
    expect(startSettings({}, { TESSERA_POLICY_FILE: 'policy.cedar' }, dir).policy).toEqual({ text: '@id("all") permit (principal, action, resource);' });
    expect(startSettings({}, { TESSERA_POLICY_PRESET: 'device-trust' }, dir).policy).toEqual({ preset: 'device-trust' });
    expect(startSettings({}, {}, dir)).not.toHaveProperty('policy');
  });

  it('an unreadable file or an unknown preset is a usage error naming the variable', () => {
    expect(() => startSettings({}, { TESSERA_POLICY_FILE: 'missing.cedar' }, dir)).toThrow(CliError);
    expect(() => startSettings({}, { TESSERA_POLICY_FILE: 'missing.cedar' }, dir)).toThrow(/TESSERA_POLICY_FILE/);
    expect(() => startSettings({}, { TESSERA_POLICY_PRESET: 'lenient' }, dir)).toThrow(/TESSERA_POLICY_PRESET/);
  });

  it('a policy file that does not load stops the start with Cedar\'s message', async () => {
    writeFileSync(join(dir, 'broken.cedar'), '@id("x") permit (principal, action, resource) when { context.nope };');
    const settings = { ...startSettings({ port: '0' }, { TESSERA_POLICY_FILE: 'broken.cedar', TESSERA_LOG_LEVEL: 'silent' }, dir), dev: true };
    const storage = createMemoryStorage();
    await expect(startTessera(storage, settings, Buffer.alloc(32, 1))).rejects.toMatchObject({ name: 'PolicyLoadError', stage: 'validation' });
    await storage.close();
  });
});
