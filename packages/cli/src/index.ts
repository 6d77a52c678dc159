/**
 * @tessera/cli: the `tessera` command. The only package that reads environment variables and files
 * (DESIGN V8); everything else receives values.
 */
export { main, USAGE } from './main.js';
export { CliError, ConfigFileError, UsageError } from './args.js';
export { readConfigFile, startSettings, storeSettings } from './settings.js';
export type { ConfigFile, StartSettings, StoreSettings } from './settings.js';
export { loadMasterKey } from './master-key.js';
export { decodeToken } from './commands/token.js';
export type { Io } from './io.js';
