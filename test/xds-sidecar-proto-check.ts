import assert from 'node:assert/strict';
import { messageType, TO_OBJECT, type ProtoObject } from '../src/xds/protos.js';
import { typeNameOf } from '../src/xds/type-urls.js';

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/**
 * Every key the generator set must survive fromObject → encode → decode: protobufjs drops
 * unknown (misspelt) fields silently, so a missing key here is a bug. Scalars must keep
 * their value (64-bit integers come back as strings, hence the String comparison).
 */
export function assertKeysKept(original: unknown, decoded: unknown, path: string): void {
  if (original === undefined || original === null || isBytes(original)) return;
  if (Array.isArray(original)) {
    assert.ok(Array.isArray(decoded), `${path}: expected a list`);
    assert.equal((decoded as unknown[]).length, original.length, `${path}: list length`);
    original.forEach((v, i) => assertKeysKept(v, (decoded as unknown[])[i], `${path}[${i}]`));
    return;
  }
  if (typeof original === 'object') {
    assert.ok(decoded && typeof decoded === 'object', `${path}: expected an object`);
    for (const [k, v] of Object.entries(original as Record<string, unknown>)) {
      if (v === undefined) continue;
      const d = (decoded as Record<string, unknown>)[k];
      assert.ok(d !== undefined && d !== null, `${path}.${k} was dropped by the proto encoder`);
      assertKeysKept(v, d, `${path}.${k}`);
    }
    return;
  }
  assert.equal(String(decoded), String(original), `${path}: value changed`);
}

/** Decodes every nested `Any` (type_url + bytes) and verifies it against its own type. */
function verifyNestedAnys(value: unknown, path: string, seen: string[]): void {
  if (!value || typeof value !== 'object' || isBytes(value)) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => verifyNestedAnys(v, `${path}[${i}]`, seen));
    return;
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.type_url === 'string' && isBytes(obj.value)) {
    const type = messageType(typeNameOf(obj.type_url));
    const msg = type.decode(obj.value);
    assert.equal(type.verify(msg), null, `${path}: nested ${obj.type_url} does not verify`);
    seen.push(typeNameOf(obj.type_url));
    verifyNestedAnys(type.toObject(msg, TO_OBJECT), `${path}<${typeNameOf(obj.type_url)}>`, seen);
    return;
  }
  for (const [k, v] of Object.entries(obj)) verifyNestedAnys(v, `${path}.${k}`, seen);
}

/**
 * Encodes a plain generated object with the real Envoy proto (`fromObject`, `verify`,
 * `encode`), decodes it back, checks no key was lost, and verifies every nested `Any`.
 * Returns the decoded object and the nested types met.
 */
export function protoRoundTrip(fullName: string, value: ProtoObject): { decoded: ProtoObject; nested: string[] } {
  const type = messageType(fullName);
  const msg = type.fromObject(value);
  assert.equal(type.verify(msg), null, `${fullName} ${String(value.name ?? '')} does not verify`);
  const bytes = type.encode(msg).finish();
  const decoded = type.toObject(type.decode(bytes), TO_OBJECT) as ProtoObject;
  assertKeysKept(value, decoded, `${fullName}(${String(value.name ?? value.cluster_name ?? '')})`);
  const nested: string[] = [];
  verifyNestedAnys(decoded, fullName, nested);
  return { decoded, nested };
}
