import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino replaces with "[redacted]" wherever they appear in a logged object: credentials in
 * headers and every form parameter that carries a secret. The request serializer below already logs
 * neither headers nor bodies; this is the second belt.
 */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers.dpop',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
  'masterKey',
  '*.masterKey',
  'keys.masterKey',
  'config.keys.masterKey',
  ...['client_secret', 'client_assertion', 'token', 'code', 'code_verifier', 'refresh_token', 'access_token', 'assertion', 'password', 'id_token', 'subject_token', 'device_code']
    .flatMap((name) => [name, `*.${name}`, `body.${name}`, `params.${name}`]),
];

/** Create the server logger; `stream` lets tests capture output. */
export function createLogger(options: { level: string; stream?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      serializers: {
        // The path only: a query string may carry anything a client put there (even a secret we refuse).
        req: (req: { method?: string; url?: string; ip?: string }) => ({
          method: req.method,
          url: typeof req.url === 'string' ? req.url.split('?', 1)[0] : undefined,
          ip: req.ip,
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    options.stream,
  );
}
