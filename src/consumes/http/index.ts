/** Outbound HTTP: the consumer of a `consumes` block and its types. */
export {
  createHttpConsumer,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_TOTAL_TIMEOUT_MS,
  type ConsumedOperation,
  type ConsumedParameter,
  type ForwardRequest,
  type HttpConsumer,
  type HttpConsumerOptions,
  type InvokeOptions,
  type UpstreamResponse,
} from './http-consumer.js';
export {
  DEFAULT_RESILIENCE,
  type CircuitEvent,
  type CircuitState,
  type ResilienceOptions,
} from './resilience.js';
export { DEFAULT_MAX_BODY_BYTES } from './pools.js';
