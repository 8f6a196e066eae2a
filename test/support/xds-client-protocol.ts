/** Outcome of one call: the server that answered, or the status it failed with. */
export type CallResult = { server: string } | { code: number; details: string };

/** A batch of calls the test process asks the client process to make. */
export interface CallBatch { id: number; n: number; headers?: Record<string, string>; concurrency?: number }
