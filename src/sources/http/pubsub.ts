import type { FastifyInstance } from 'fastify';
import { bearerOf, PubSubTokenVerifier } from './auth.ts';
import { bodyOf, RETRY_AFTER_SECONDS, summary, type HttpSourceContext } from './context.ts';

const ENDPOINT = '/v1/gcp/pubsub';

/**
 * Pub/Sub push: the body ({message:{data,attributes,messageId},subscription},
 * or the unwrapped LogEntry) goes to the worker as is; the OIDC token Pub/Sub
 * attaches is checked here first. Any 2xx acknowledges the message; 503 and
 * 400 make Pub/Sub retry (a dead-letter topic ends the retries of a bad one).
 */
export function pubSubEndpoint(app: FastifyInstance, context: HttpSourceContext): void {
  const verifier = new PubSubTokenVerifier(context.config.pubsub);
  app.post(ENDPOINT, async (request, reply) => {
    const fail = (status: number, message: string) => {
      context.metrics.httpRequests.inc({ endpoint: ENDPOINT, status: String(status) });
      return reply.code(status).send({ error: message });
    };
    if (verifier.enforcing) {
      const problem = await verifier.problem(bearerOf(request.headers.authorization));
      if (problem) return fail(problem.status, problem.reason);
    }
    if (context.intake.full) {
      void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return fail(503, 'the agent is backpressured; retry later');
    }
    const body = await bodyOf(request, context, fail);
    if (body === undefined) return reply;
    if (body.length === 0) return fail(400, 'the body is empty');
    const total = summary(await context.intake.submitDocuments('gcp_audit', [body], request.ip));
    if (total.errors.length > 0) return fail(400, total.errors.join('; '));
    context.metrics.httpRequests.inc({ endpoint: ENDPOINT, status: '200' });
    return { ...total, errors: undefined };
  });
}
