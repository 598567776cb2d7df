import type { Dispatcher } from "undici";

// The moment a request goes out. undici calls a handler's onRequestStart right before it
// writes the request to its socket (after a new connection's handshake), so a request can
// carry a callback, under ON_SENT in its options, that this interceptor calls once that write
// is done. The pacer
// measures the next start from that moment rather than from when it let the request go: a
// request held up in between (a handshake, a busy event loop, a pause for garbage collection)
// pushes the next one back instead of arriving at the store right before it.

export const ON_SENT = Symbol("onSent");

/** Request options that may carry the callback. */
export interface SentHook {
  [ON_SENT]?: () => void;
}

export const reportSent: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
  const onSent = (opts as SentHook)[ON_SENT];
  if (!onSent) return dispatch(opts, handler);
  return dispatch(opts, {
    onRequestStart(controller, context) {
      handler.onRequestStart?.(controller, context);
      // undici writes the request right after this returns, in the same synchronous run; a
      // microtask runs once that run is over, so the moment taken is after the write, never
      // before it, however long the process is held up in between (preempted, collecting
      // garbage).
      queueMicrotask(onSent);
    },
    onRequestUpgrade: (controller, statusCode, headers, socket) => handler.onRequestUpgrade?.(controller, statusCode, headers, socket),
    onResponseStart: (controller, statusCode, headers, statusMessage) => handler.onResponseStart?.(controller, statusCode, headers, statusMessage),
    onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
    onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
    onResponseError: (controller, error) => handler.onResponseError?.(controller, error),
  });
};
