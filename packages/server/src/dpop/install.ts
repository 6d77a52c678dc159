import type { FastifyInstance } from 'fastify';
import type { ReplayStore } from '@tessera/store';
import { createDpopNonces } from '@tessera/token';
import { PATHS } from '../endpoints/discovery.js';
import type { DpopConfig } from './config.js';
import { dpopNonceSecret } from './nonce-secret.js';
import { createResourceDpopCheck, type ResourceDpopCheck } from './resource.js';
import { dpopTokenStep, registerDpopNonceHeader, type DeviceByKey } from './token-step.js';

/** The storage a device lookup needs; optional so a storage without the devices slice binds no device. */
interface MaybeDevices {
  devices?: { findByKeyThumbprint(jkt: string): Promise<{ id: string } | undefined> };
}

/** What the server wires in: the /token and /par steps, the /userinfo check, and the metadata members (RFC 9449 §5.1). */
export interface DpopFeature {
  tokenStep: ReturnType<typeof dpopTokenStep>;
  /** The same check for proofs sent to the PAR endpoint (RFC 9449 §10.1), whose URL they must name. */
  parStep: ReturnType<typeof dpopTokenStep>;
  resourceCheck: ResourceDpopCheck;
  metadata: { dpop_signing_alg_values_supported: string[] };
}

/**
 * Assemble DPoP for one server: nonces keyed from the master key, the nonce response header on `app`,
 * the device lookup by key thumbprint (storage.devices when present).
 */
export function installDpop(deps: {
  app: FastifyInstance;
  issuer: string;
  config: DpopConfig;
  masterKey: Buffer;
  storage: { replay: Pick<ReplayStore, 'use'> } & MaybeDevices;
  now: () => number;
}): DpopFeature {
  const { config, storage, now } = deps;
  const nonces = createDpopNonces({ secret: dpopNonceSecret(deps.masterKey), windowSeconds: config.nonceWindow, now });
  const devices = storage.devices;
  const deviceByKey: DeviceByKey = devices === undefined ? () => null : (jkt) => devices.findByKeyThumbprint(jkt).then((d) => d?.id ?? null);
  registerDpopNonceHeader(deps.app);
  return {
    tokenStep: dpopTokenStep({ htu: deps.issuer + PATHS.token, config, nonces, replay: storage.replay, deviceByKey, now }),
    parStep: dpopTokenStep({ htu: deps.issuer + PATHS.par, config, nonces, replay: storage.replay, deviceByKey, now }),
    resourceCheck: createResourceDpopCheck({ issuer: deps.issuer, config, replay: storage.replay, now }),
    metadata: { dpop_signing_alg_values_supported: [...config.algorithms] },
  };
}
