import { ConflictError, type UserRecord, type UserStore } from '@tessera/store';

/** A test double honouring the UserStore contract (unique canonical username, compare-and-set step). */
export function memoryUserStore(): UserStore & { rows: Map<string, UserRecord> } {
  const rows = new Map<string, UserRecord>();
  const copy = (r: UserRecord): UserRecord => structuredClone(r);
  return {
    rows,
    async create(record) {
      if (rows.has(record.id)) throw new ConflictError('user', record.id);
      for (const r of rows.values()) if (r.username === record.username) throw new ConflictError('user', record.username);
      rows.set(record.id, copy(record));
    },
    async get(id) {
      const r = rows.get(id);
      return r && copy(r);
    },
    async findByUsername(username) {
      for (const r of rows.values()) if (r.username === username) return copy(r);
      return undefined;
    },
    async update(id, patch, at) {
      const r = rows.get(id);
      if (!r) return undefined;
      const next = { ...r, ...structuredClone(patch), updatedAt: at };
      rows.set(id, next);
      return copy(next);
    },
    async useTotpStep(id, step, at) {
      const r = rows.get(id);
      if (!r?.totp || (r.totp.lastUsedStep !== null && r.totp.lastUsedStep >= step)) return false;
      rows.set(id, { ...r, totp: { ...r.totp, lastUsedStep: step }, updatedAt: at });
      return true;
    },
    async list({ limit, after }) {
      return [...rows.values()]
        .filter((r) => after === undefined || r.username > after)
        .sort((a, b) => a.username.localeCompare(b.username))
        .slice(0, limit)
        .map(copy);
    },
  };
}
