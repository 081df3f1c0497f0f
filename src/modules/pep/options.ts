// Options of the PEP service: limits per account and node, and the default node size.
import { z } from '../../core/module-api.js';

export const pepOptions = z.strictObject({
  /** Nodes one account may have; creating one more is refused with resource-constraint. */
  max_nodes: z.int().min(1).max(10_000).default(100),
  /** Most items one node may keep (the value of pubsub#max_items 'max'). */
  max_items: z.int().min(1).max(10_000).default(256),
  /** Items a node keeps unless configured otherwise (pubsub#max_items). */
  default_max_items: z.int().min(1).max(10_000).default(1),
  /** Largest item payload accepted, in bytes of serialised XML; larger is payload-too-big. */
  max_payload_bytes: z.int().min(1024).max(16 * 1024 * 1024).default(131_072),
  /**
   * Explicit subscriptions one node may have, and one subscriber (its bare JID and resources
   * together) may hold on it; past either, too-many-subscriptions (XEP-0060 §6.1.3.13).
   */
  max_subscriptions_per_node: z.int().min(1).max(1_000_000).default(1000),
  max_subscriptions_per_subscriber: z.int().min(1).max(10_000).default(10),
  /** Accounts whose nodes, last items and roster are kept in memory. */
  cache_size: z.int().min(0).max(1_000_000).default(10_000),
}).refine((o) => o.default_max_items <= o.max_items, { error: 'default_max_items cannot exceed max_items', path: ['default_max_items'] });

export type PepOptions = z.output<typeof pepOptions>;

/** Longest node name and item id accepted (the size of the stored columns). */
export const ID_MAX = 1023;
