import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReference, configReferenceMarkdown } from '../src/config/reference.js';

const README = new URL('../README.md', import.meta.url);
const START = '<!-- config:start -->';
const END = '<!-- config:end -->';

describe('configuration reference', () => {
  it('documents every setting', () => {
    const entries = configReference();
    expect(entries.length).toBeGreaterThan(15);
    expect(entries.filter((e) => e.description === '').map((e) => e.path)).toEqual([]);
    expect(entries.map((e) => e.path)).toContain('keys.publishAhead');
  });

  it('is what the server README shows (regenerate with UPDATE_CONFIG_DOC=1)', () => {
    const text = readFileSync(README, 'utf8');
    const generated = `${START}\n${configReferenceMarkdown()}\n${END}`;
    const current = text.slice(text.indexOf(START), text.indexOf(END) + END.length);
    if (process.env.UPDATE_CONFIG_DOC === '1' && current !== generated) writeFileSync(README, text.replace(current, generated));
    else expect(current).toBe(generated);
  });
});
