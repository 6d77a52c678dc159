#!/usr/bin/env node
// Play a UEM against a running Tessera:
//   node examples/uem-simulator/cli.js --url http://127.0.0.1:3000 --source hexnode --secret "$SECRET" \
//     --devices dev_a,dev_b --interval 5 --flip-rate 0.2 [--rounds 10]
// Every --interval seconds each device reports its posture; with probability --flip-rate a device breaks
// (disk decrypted, jailbroken, OS downgraded, passcode removed) or, if broken, is repaired.
import { parseArgs } from 'node:util';
import { createFleet, createSimulator } from './simulator.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    source: { type: 'string' },
    secret: { type: 'string', default: process.env.TESSERA_UEM_SECRET },
    devices: { type: 'string' },
    interval: { type: 'string', default: '5' },
    'flip-rate': { type: 'string', default: '0.1' },
    rounds: { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h' },
  },
});

const USAGE = 'usage: cli.js --source <name> --secret <secret> --devices <id,id,…> [--url URL] [--interval s] [--flip-rate 0..1] [--rounds n]';
if (values.help || !values.source || !values.secret || !values.devices) {
  console.error(USAGE);
  process.exit(values.help ? 0 : 2);
}
const interval = Number(values.interval);
const flipRate = Number(values['flip-rate']);
const rounds = Number(values.rounds);
if (!(interval > 0) || !(flipRate >= 0 && flipRate <= 1) || !(rounds >= 0)) {
  console.error(`bad number\n${USAGE}`);
  process.exit(2);
}

const simulator = createSimulator({ url: values.url, source: values.source, secret: values.secret });
const fleet = createFleet({ simulator, deviceIds: values.devices.split(',').map((d) => d.trim()).filter(Boolean), flipRate });
console.log(`reporting ${fleet.postures.size} device(s) to ${simulator.endpoint} every ${interval}s`);

for (let round = 1; rounds === 0 || round <= rounds; round++) {
  for (const { deviceId, posture, result } of await fleet.tick()) {
    const broken = Object.entries(posture).filter(([k, v]) => (k === 'diskEncrypted' || k === 'passcodeCompliant' || k === 'managed' ? v === false : k === 'jailbroken' ? v : false)).map(([k]) => k);
    console.log(`${new Date().toISOString()} ${deviceId} ${broken.length ? `broken(${broken.join(',')})` : 'ok'} os=${posture.osVersion} → ${result.status} ${JSON.stringify(result.body)} ${result.ms.toFixed(1)}ms`);
  }
  if (rounds === 0 || round < rounds) await new Promise((r) => setTimeout(r, interval * 1000));
}
