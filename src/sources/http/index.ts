import type { FastifyInstance } from 'fastify';
import { cloudTrailEndpoint } from './cloudtrail.ts';
import type { HttpSourceContext } from './context.ts';
import { firehoseEndpoint } from './firehose.ts';
import { logEntriesEndpoint } from './logentries.ts';
import { pubSubEndpoint } from './pubsub.ts';

/** One line per endpoint. */
const ENDPOINTS: Array<{ enabled: (context: HttpSourceContext) => boolean; register: (app: FastifyInstance, context: HttpSourceContext) => void }> = [
  { enabled: (c) => c.config.cloudtrail.enabled, register: cloudTrailEndpoint },
  { enabled: (c) => c.config.firehose.enabled, register: firehoseEndpoint },
  { enabled: (c) => c.config.pubsub.enabled, register: pubSubEndpoint },
  { enabled: (c) => c.config.logentries.enabled, register: logEntriesEndpoint },
];

/**
 * The cloud ingestion endpoints, in a scope of their own whose bodies are raw
 * bytes: JSON is parsed in the workers, not by fastify on the main thread.
 */
export async function registerHttpSources(app: FastifyInstance, context: HttpSourceContext): Promise<void> {
  await app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: context.config.maxBodyBytes }, (_request, body, done) => done(null, body));
    for (const endpoint of ENDPOINTS) if (endpoint.enabled(context)) endpoint.register(scope, context);
    done();
  });
}

export type { DocumentIntake, HttpSourceContext } from './context.ts';
export { HttpSourcesSchema, httpExposureProblems, type HttpSourcesConfig } from './config.ts';
