import type { Duplex } from 'node:stream';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Which codec serves a connection. */
export type DownstreamCodec = 'http1' | 'http2';

/**
 * Tells HTTP/2 prior knowledge from HTTP/1.x by the first bytes, without consuming them: what
 * was read is unshifted back. Resolves undefined when the peer closes or stays silent past
 * `timeoutMs` (the caller drops the connection). Only as many bytes as it takes to rule the
 * preface in or out are waited for, so an HTTP/1.1 client is never delayed.
 */
export function detectCodec(socket: Duplex, timeoutMs: number): Promise<DownstreamCodec | undefined> {
  return new Promise((resolve) => {
    let done = false;
    let seen: Buffer = Buffer.alloc(0);
    const finish = (codec: DownstreamCodec | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('close', onGone);
      socket.off('end', onGone);
      // Hand back every byte looked at, so the codec reads the stream from its start.
      if (seen.length > 0 && codec !== undefined) socket.unshift(seen);
      resolve(codec);
    };
    const onGone = (): void => finish(undefined);
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      if (seen.length === 0) return;
      chunk = seen;
      const n = Math.min(chunk.length, H2_PREFACE.length);
      if (!chunk.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return finish('http1');
      if (n === H2_PREFACE.length) return finish('http2');
      // A partial preface: keep what we have and wait for more.
    };
    const timer = setTimeout(onGone, timeoutMs);
    socket.on('readable', onReadable);
    socket.once('close', onGone);
    socket.once('end', onGone);
    onReadable();
  });
}
