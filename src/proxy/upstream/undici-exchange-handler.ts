import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { NO_TRAILERS, type UpstreamExchange } from './upstream-exchange.js';

/**
 * Carries an {@link UpstreamExchange} over an undici `Client` (the HTTP/1.1 pool): undici's
 * dispatch callbacks become the exchange's events, and undici's controller is the transport
 * the exchange pauses, resumes and aborts.
 */
export class UndiciExchangeHandler implements Dispatcher.DispatchHandler {
  constructor(private readonly exchange: UpstreamExchange) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.exchange.start(controller);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.exchange.respond(statusCode, headers);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.exchange.data(chunk);
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders | undefined): void {
    // Chunked trailers arrive parsed by undici's handler adapter; most responses have none.
    this.exchange.end(trailers !== undefined && Object.keys(trailers).length > 0 ? trailers : NO_TRAILERS);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.exchange.fail(error);
  }
}
