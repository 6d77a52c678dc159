import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level } from 'pino';

type Method = (...args: unknown[]) => void;
const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * Fastify gives every request a child logger carrying its request id. With redaction and serializers
 * configured, creating a pino child costs microseconds — on every request, although the hot path logs
 * nothing at the default level. This child is created only when a line is actually written.
 */
class LazyChildLogger {
  private instance: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): string {
    return this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  real(): FastifyBaseLogger {
    return (this.instance ??= this.parent.child(this.bindings, this.options));
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }

  isLevelEnabled(level: string): boolean {
    return (this.parent as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled(level);
  }

  silent(): void {}
}

for (const level of LEVELS) {
  Object.defineProperty(LazyChildLogger.prototype, level, {
    value: function log(this: LazyChildLogger, ...args: unknown[]) {
      if (this.isLevelEnabled(level)) (this.real()[level] as Method)(...args);
    },
  });
}

/** A Fastify `childLoggerFactory` producing {@link LazyChildLogger}s. */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
