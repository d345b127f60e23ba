import { Injectable } from '@nestjs/common';
import {
  MEDIA_ALLOCATE_SUBJECT,
  MEDIA_CONTROL_MAX_BYTES,
  MEDIA_RELEASE_SUBJECT,
  MediaAllocateRequest,
  mediaAllocateReplySchema,
  mediaAllocateRequestSchema,
  mediaReleaseReplySchema,
  mediaReleaseRequestSchema,
} from '@asb/contracts';
import { NatsClient, requestJson } from '@asb/nats';

export interface MediaAllocation {
  allocationId: string;
  gatewayId: string;
  /** The gateway process holding it: when that process is gone, so is the allocation. */
  bootId: string;
  host: string;
  port: number;
}

export class MediaAllocationFailed extends Error {
  override readonly name = 'MediaAllocationFailed';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const REQUEST_TIMEOUT_MS = 2000;

/** Asks the media-gateways (one queue group) for a UDP port that will receive one track. */
@Injectable()
export class MediaAllocator {
  constructor(private readonly nats: NatsClient) {}

  async allocate(request: MediaAllocateRequest): Promise<MediaAllocation> {
    let reply;
    try {
      reply = await requestJson(
        this.nats.connection,
        MEDIA_ALLOCATE_SUBJECT,
        { schema: mediaAllocateRequestSchema, payload: request },
        { schema: mediaAllocateReplySchema },
        { maxBytes: MEDIA_CONTROL_MAX_BYTES, timeoutMs: REQUEST_TIMEOUT_MS },
      );
    } catch (error) {
      // No responders, a timeout or NATS away: another try may find a gateway.
      throw new MediaAllocationFailed(
        `no media-gateway answered: ${(error as Error).message}`,
        true,
      );
    }
    if (!reply.ok) throw new MediaAllocationFailed(reply.error, reply.retryable);
    return {
      allocationId: reply.allocationId,
      gatewayId: reply.gatewayId,
      bootId: reply.bootId,
      host: reply.host,
      port: reply.port,
    };
  }

  /** Best effort: a gateway also frees an allocation by itself once its stream is idle. */
  async release(allocation: MediaAllocation): Promise<boolean> {
    try {
      const reply = await requestJson(
        this.nats.connection,
        MEDIA_RELEASE_SUBJECT,
        {
          schema: mediaReleaseRequestSchema,
          payload: { allocationId: allocation.allocationId, gatewayId: allocation.gatewayId },
        },
        { schema: mediaReleaseReplySchema },
        { maxBytes: MEDIA_CONTROL_MAX_BYTES, timeoutMs: REQUEST_TIMEOUT_MS },
      );
      return reply.ok;
    } catch {
      return false;
    }
  }
}
