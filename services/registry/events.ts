// Publishing instance.* events. The store change has already happened when these run, so a
// bus failure is logged and counted, not returned to the caller: consumers detect the gap
// (sequence numbers) or catch up by re-listing, and the store stays the truth.
import type { Logger } from 'pino';
import type { EventBus } from '../../lib/bus/bus.js';
import type { EventKind } from '../../lib/bus/envelope.js';
import { instanceSubject, type InstanceEventData, type InstanceRecord } from '../../lib/model/instance.js';
import { registryMetrics } from './metrics.js';

export type InstanceEventKind = Extract<EventKind, `instance.${string}`>;

export class InstanceEvents {
  constructor(private readonly bus: EventBus, private readonly logger: Logger) {}

  async publish(kind: InstanceEventKind, record: InstanceRecord, revision: number): Promise<void> {
    const data: InstanceEventData = { instance: record };
    if (kind === 'instance.deregistered') data.reason = 'deregistered';
    if (kind === 'instance.expired') data.reason = 'expired';
    try {
      await this.bus.publish({
        kind,
        subject: instanceSubject(record.namespace, record.service, record.id),
        data,
        revision,
      });
    } catch (err) {
      registryMetrics.publishFailures.inc({ kind });
      this.logger.error(
        { err, kind, instance: instanceSubject(record.namespace, record.service, record.id), revision },
        'could not publish instance event',
      );
    }
  }
}
