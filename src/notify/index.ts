export { afterRunClosed, runClosedHook, type RunNotifier } from './afterRunClosed.ts';
export { eventFor, type WebhookEvent, type EventType, type ClosedRun } from './event.ts';
export { WebhookNotifier, signature, SIGNATURE_HEADER, EVENT_HEADER, DELIVERY_HEADER, type WebhookOptions } from './webhook.ts';
export { notifierFrom } from './fromConfig.ts';
