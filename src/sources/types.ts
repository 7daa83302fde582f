import type { FrameSink } from '../pipeline/index.ts';

export interface Source {
  readonly name: string;
  /** Binds and starts accepting; resolves once listening. */
  start(sink: FrameSink): Promise<void>;
  /** Stops accepting, hands every frame already read to the sink, then resolves. */
  stop(): Promise<void>;
  /** The bound address, once started (port 0 in config picks a free one). */
  address(): { address: string; port: number } | undefined;
}
