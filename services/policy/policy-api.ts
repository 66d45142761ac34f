// The gRPC edge of plexus.policy.v1.Policies: authenticate, authorize, decode requests, call
// the PolicyManager, encode responses, write the audit log. Domain errors become statuses in
// lib/grpc/status.ts only.
import type * as grpc from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { isPlexusError, ValidationError } from '../../lib/errors.js';
import { decoded } from '../../lib/grpc/edge/index.js';
import { countedUnary } from '../../lib/grpc/edge/counted-unary.js';
import { toGrpcError } from '../../lib/grpc/status.js';
import { policyKindSpec, type PolicyKind } from '../../lib/policy/index.js';
import type { ApplyRequest__Output } from '../../lib/proto/gen/plexus/policy/v1/ApplyRequest.js';
import type { ApplyResponse } from '../../lib/proto/gen/plexus/policy/v1/ApplyResponse.js';
import type { DeleteRequest__Output } from '../../lib/proto/gen/plexus/policy/v1/DeleteRequest.js';
import type { DeleteResponse } from '../../lib/proto/gen/plexus/policy/v1/DeleteResponse.js';
import type { GetRequest__Output } from '../../lib/proto/gen/plexus/policy/v1/GetRequest.js';
import type { GetResponse } from '../../lib/proto/gen/plexus/policy/v1/GetResponse.js';
import type { HistoryRequest__Output } from '../../lib/proto/gen/plexus/policy/v1/HistoryRequest.js';
import type { HistoryResponse } from '../../lib/proto/gen/plexus/policy/v1/HistoryResponse.js';
import type { ListRequest__Output } from '../../lib/proto/gen/plexus/policy/v1/ListRequest.js';
import type { ListResponse } from '../../lib/proto/gen/plexus/policy/v1/ListResponse.js';
import type { WatchEvent } from '../../lib/proto/gen/plexus/policy/v1/WatchEvent.js';
import type { WatchRequest__Output } from '../../lib/proto/gen/plexus/policy/v1/WatchRequest.js';
import type { Store } from '../../lib/store/store.js';
import { contextFromTraceparent, traceparentOf } from '../../lib/tracing/tracing.js';
import type { Authenticator, Principal } from '../../lib/auth/operator-auth.js';
import { policyMetrics } from './metrics.js';
import { listPolicies, parseListRequest } from './policy-list.js';
import { refViolations, type PolicyManager } from './policy-manager.js';
import { storedToProto, toPolicyObject } from './policy-proto.js';
import { parseWatchRequest, WatchSession } from './policy-watch.js';

export interface PolicyApiDeps {
  manager: PolicyManager;
  store: Store;
  auth: Authenticator;
  logger: Logger;
  historyLimit: number;
  maxWatchQueue: number;
  sessions: Set<{ end(): void }>;
  /** Spans for writes (Apply), continuing the caller's `traceparent` metadata; undefined: off. */
  tracer?: Tracer | undefined;
}

/** A proto3 `optional` int64: present only when its synthetic oneof (`_expectedRevision`) names it. */
function optionalRevision(req: { expectedRevision?: number; _expectedRevision?: string }, field: string): number | undefined {
  if (req._expectedRevision !== 'expectedRevision' || req.expectedRevision === undefined) return undefined;
  if (!Number.isSafeInteger(req.expectedRevision) || req.expectedRevision < 0) {
    throw new ValidationError([{ path: field, message: 'must be ≥ 0' }]);
  }
  return req.expectedRevision;
}

function ref(req: { kind: string; namespace: string; name: string }): { kind: PolicyKind; namespace: string; name: string } {
  const namespace = req.namespace || 'default';
  const violations = refViolations(req.kind, namespace, req.name);
  if (violations.length) throw new ValidationError(violations);
  return { kind: req.kind as PolicyKind, namespace, name: req.name };
}

export function policyApi(deps: PolicyApiDeps): grpc.UntypedServiceImplementation {
  const { manager, auth, logger } = deps;
  const metrics = policyMetrics();
  const audit = logger.child({ audit: true });
  /** Beyond editor, what the kind table asks for writing this kind (admin for Mesh). */
  const authorizeKindWrite = (principal: Principal, kind: PolicyKind, verb: 'apply' | 'delete'): void => {
    const role = policyKindSpec(kind)?.writeRole ?? 'editor';
    if (role !== 'editor') auth.authorize(principal, role, `${verb} the ${kind} policy`);
  };

  const counted = countedUnary({ counter: metrics.requests, logger, api: 'policy API' });

  /** Audit line for a write attempt, whatever its result. */
  const auditWrite = (principal: Principal | undefined, fields: Record<string, unknown>, err?: unknown): void => {
    const who = principal ? { principal: principal.name, role: principal.role } : { principal: null };
    if (err === undefined) audit.info({ ...who, ...fields, result: 'ok' }, 'policy write');
    else audit.warn({ ...who, ...fields, result: isPlexusError(err) ? err.code : 'INTERNAL', reason: (err as Error).message }, 'policy write refused');
  };

  const Apply = counted<ApplyRequest__Output, ApplyResponse>('Apply', async (call) => {
    let principal: Principal | undefined;
    const req = call.request;
    const fields: Record<string, unknown> = { method: 'Apply', dryRun: req.dryRun };
    const span: Span | undefined = deps.tracer?.startSpan(
      'policy Apply',
      { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.service': 'plexus.policy.v1.Policies', 'rpc.method': 'Apply' } },
      contextFromTraceparent(call.metadata.get('traceparent')[0]?.toString()),
    );
    try {
      principal = auth.authenticate(call.metadata);
      // A dry run writes nothing, so viewers may use it (CI validation, plexctl diff).
      auth.authorize(principal, req.dryRun ? 'viewer' : 'editor', 'apply policies');
      const expectedRevision = optionalRevision(req, 'expected_revision');
      let doc: unknown;
      try {
        doc = JSON.parse(req.document);
      } catch (err) {
        throw new ValidationError([{ path: 'document', message: `is not valid JSON: ${(err as Error).message}` }]);
      }
      const policy = manager.validate(doc);
      Object.assign(fields, { kind: policy.kind, namespace: policy.metadata.namespace, name: policy.metadata.name, expectedRevision });
      if (!req.dryRun) authorizeKindWrite(principal, policy.kind, 'apply');
      span?.updateName(`policy Apply ${policy.kind}/${policy.metadata.namespace}/${policy.metadata.name}`);
      const result = await manager.apply(policy, principal.name, {
        dryRun: req.dryRun,
        ...(expectedRevision === undefined ? {} : { expectedRevision }),
        ...(span?.isRecording() ? { traceparent: traceparentOf(span) } : {}),
      });
      if (!req.dryRun) auditWrite(principal, { ...fields, outcome: result.outcome, revision: result.stored.revision });
      span?.setAttributes({
        'plexus.policy': `${policy.kind}/${policy.metadata.namespace}/${policy.metadata.name}`,
        'plexus.policy.revision': result.stored.revision,
        'plexus.policy.outcome': result.outcome,
        'plexus.principal': principal.name,
        'plexus.dry_run': result.dryRun,
      });
      return {
        outcome: result.outcome,
        policy: storedToProto(result.stored),
        warnings: result.warnings,
        affectedServices: result.affectedServices,
        dryRun: result.dryRun,
        previousDocument: result.previous ? JSON.stringify(result.previous) : '',
      };
    } catch (err) {
      if (!req.dryRun) auditWrite(principal, fields, err);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span?.end();
    }
  });

  const Delete = counted<DeleteRequest__Output, DeleteResponse>('Delete', async (call) => {
    let principal: Principal | undefined;
    const req = call.request;
    const fields: Record<string, unknown> = { method: 'Delete', kind: req.kind, namespace: req.namespace || 'default', name: req.name };
    try {
      principal = auth.authenticate(call.metadata);
      auth.authorize(principal, 'editor', 'delete policies');
      const r = ref(req);
      const expectedRevision = optionalRevision(req, 'expected_revision');
      authorizeKindWrite(principal, r.kind, 'delete');
      const result = await manager.delete(r.kind, r.namespace, r.name, principal.name, expectedRevision);
      auditWrite(principal, { ...fields, expectedRevision, revision: result.revision });
      return { revision: result.revision, affectedServices: result.affectedServices };
    } catch (err) {
      auditWrite(principal, fields, err);
      throw err;
    }
  });

  const Get = counted<GetRequest__Output, GetResponse>('Get', async (call) => {
    auth.authorize(auth.authenticate(call.metadata), 'viewer', 'read policies');
    const r = ref(call.request);
    return { policy: storedToProto(await manager.get(r.kind, r.namespace, r.name)) };
  });

  const List = counted<ListRequest__Output, ListResponse>('List', async (call) => {
    auth.authorize(auth.authenticate(call.metadata), 'viewer', 'read policies');
    const page = await listPolicies(deps.store, manager.cluster, parseListRequest(call.request));
    return {
      policies: page.items.map(({ ref: r, kv }) => toPolicyObject(r, kv)),
      nextPageToken: page.nextPageToken,
      revision: page.revision,
    };
  });

  const History = counted<HistoryRequest__Output, HistoryResponse>('History', async (call) => {
    auth.authorize(auth.authenticate(call.metadata), 'viewer', 'read policy history');
    const r = ref(call.request);
    const limit = call.request.limit;
    if (limit < 0 || limit > deps.historyLimit) {
      throw new ValidationError([{ path: 'limit', message: `must be between 0 and ${deps.historyLimit} (0 = 20)` }]);
    }
    const entries = await manager.history.list(r, limit || Math.min(20, deps.historyLimit));
    return {
      entries: entries.map((e) => ({
        revision: e.revision,
        action: e.action,
        principal: e.principal,
        time: e.at,
        document: e.policy ? JSON.stringify(e.policy) : '',
      })),
    };
  });

  const Watch: grpc.handleServerStreamingCall<WatchRequest__Output, WatchEvent> = (call) => {
    try {
      auth.authorize(auth.authenticate(call.metadata), 'viewer', 'watch policies');
      const input = parseWatchRequest(decoded(call.request));
      const session = new WatchSession(call, input, {
        store: deps.store,
        cluster: manager.cluster,
        logger,
        maxQueue: deps.maxWatchQueue,
        sessions: deps.sessions,
      });
      deps.sessions.add(session);
      metrics.requests.inc({ method: 'Watch', code: 'OK' });
      void session.run();
    } catch (err) {
      metrics.requests.inc({ method: 'Watch', code: isPlexusError(err) ? err.code : 'INTERNAL' });
      call.emit('error', toGrpcError(err));
    }
  };

  return { Apply, Get, List, Delete, Watch, History };
}
