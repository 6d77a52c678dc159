import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The package boundaries are the architecture (DESIGN.md "Shape of the code"): each package may import
 * only the workspace packages its arrow allows. `guard` and `token` in particular never see the server
 * or the store, so an API developer installs nothing of the authorization server.
 */
const allowed: Record<string, string[]> = {
  token: [],
  policy: [],
  store: ['token'],
  guard: ['token'],
  server: ['token', 'policy', 'store'],
  cli: ['server', 'store', 'policy', 'token'],
};

const root = new URL('..', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

describe('package import arrows', () => {
  for (const [pkg, deps] of Object.entries(allowed)) {
    it(`${pkg} imports only ${deps.length ? deps.join(', ') : 'no other workspace package'}`, () => {
      const offending: string[] = [];
      for (const file of sourceFiles(join(root, 'packages', pkg, 'src'))) {
        const text = readFileSync(file, 'utf8');
        for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]@tessera\/([a-z-]+)/g)) {
          const target = match[1]!;
          if (target !== pkg && !deps.includes(target)) offending.push(`${relative(root, file)} → @tessera/${target}`);
        }
        // Reaching into a sibling's files by relative path defeats the boundary just the same.
        if (/from\s+['"](\.\.\/){2,}(token|policy|store|server|guard|cli)\//.test(text)) {
          offending.push(`${relative(root, file)} → relative import into a sibling package`);
        }
      }
      expect(offending).toEqual([]);
    });
  }
});
