import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { checkProtoJson, jsonNameOf, type ProtoJsonProblem } from './proto-json-check.js';
import { EnvoyTypeRegistry, packageOf } from './envoy-type-registry.js';

// A message written for this test only, touching every kind of field the checker knows.
const SOURCE = `
syntax = "proto3";
package plexus.test;
import "google/protobuf/any.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";

enum Colour { COLOUR_UNSPECIFIED = 0; RED = 1; GREEN = 2; }

message Inner { string label = 1; repeated int32 weights = 2; }

message Sample {
  int32 small = 1;
  uint32 unsigned_small = 2;
  int64 big = 3;
  uint64 unsigned_big = 4;
  float ratio = 5;
  double precise = 6;
  bool enabled = 7;
  string name = 8;
  bytes blob = 9;
  Colour colour = 10;
  Inner inner = 11;
  repeated Inner inners = 12;
  map<string, Inner> by_name = 13;
  map<int32, string> by_number = 14;
  map<bool, string> by_flag = 15;
  oneof target { string host = 16; uint32 port = 17; }
  optional string note = 18;
  google.protobuf.Duration wait = 19;
  google.protobuf.Timestamp at = 20;
  google.protobuf.UInt32Value limit = 21;
  google.protobuf.Struct extra = 22;
  google.protobuf.Value anything = 23;
  google.protobuf.ListValue items = 24;
  google.protobuf.FieldMask mask = 25;
  google.protobuf.Any payload = 26;
  string odd__name_ = 27;
}
`;

// The well-known types ship with protobufjs; parse() itself does not follow imports.
const root = new protobuf.Root().loadSync(Object.keys(protobuf.common).filter((k) => k.endsWith('.proto')), { keepCase: true });
protobuf.parse(SOURCE, root, { keepCase: true });
root.resolveAll();
const sample = root.lookupType('plexus.test.Sample');

function check(value: unknown, options: { unknownFields?: 'error' | 'warning' } = {}): ProtoJsonProblem[] {
  return checkProtoJson(value, sample, {
    ...options,
    resolveAny: (name) => {
      const t = root.lookup(name);
      return t instanceof protobuf.Type ? { type: t } : { error: `unknown type ${name}` };
    },
  });
}

/** `path: message` lines, severity-prefixed for warnings. */
function lines(value: unknown): string[] {
  return check(value).map((p) => `${p.severity === 'warning' ? 'warning ' : ''}${p.path.join('/')}: ${p.message}`);
}

describe('checkProtoJson', () => {
  const accepted: Array<[string, unknown]> = [
    ['ints as numbers and decimal strings', { small: -5, unsigned_small: '7', big: '-9223372036854775808', unsigned_big: '18446744073709551615' }],
    ['floats as numbers, numeric strings and the non-finite names', { ratio: '1.5e3', precise: 'NaN', enabled: false }],
    ['a large float32 at its limit', { ratio: 3.4e38 }],
    ['JSON names and proto names', { unsignedSmall: 3, by_name: { a: { label: 'x' } }, byNumber: { '-4': 'minus four' } }],
    ['an enum by name and by number', { colour: 'GREEN', inners: [{ weights: [1, '2'] }] }],
    ['bool map keys', { by_flag: { true: 'yes', false: 'no' } }],
    ['null anywhere as unset', { small: null, inner: null, inners: [null, { label: null }], payload: null }],
    ['Go durations', { wait: '1h30m0.5s' }],
    ['a negative and a zero duration', { wait: '-.5ms' }],
    ['a timestamp with an offset', { at: '2024-02-29T23:59:59.123+02:00' }],
    ['wrappers as bare values', { limit: 10 }],
    ['Struct, Value and ListValue', { extra: { a: [1, { b: null }] }, anything: 'text', items: [1, 'two', null] }],
    ['a FieldMask as paths', { mask: { paths: ['a.b', 'c'] } }],
    ['an Any with inline fields', { payload: { '@type': 'type.googleapis.com/plexus.test.Inner', label: 'x' } }],
    ['an Any of a well-known type', { payload: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '3s' } }],
    ['base64 bytes', { blob: 'aGVsbG8=' }],
    ['a single oneof member and a proto3 optional', { port: 80, note: 'n' }],
  ];
  for (const [name, value] of accepted) {
    it(`accepts ${name}`, () => assert.deepEqual(lines(value), []));
  }

  const rejected: Array<[string, unknown, string]> = [
    ['a fractional int', { small: 1.5 }, 'small: expected an int32 (plexus.test.Sample.small): got a number (1.5), which is not a whole number'],
    ['an int32 out of range', { small: 2 ** 31 }, 'small: expected an int32 (plexus.test.Sample.small): 2147483648 is out of range'],
    ['an int64 string out of range', { big: '9223372036854775808' }, 'big: expected an int64 (plexus.test.Sample.big): 9223372036854775808 is out of range'],
    ['a non-decimal int string', { unsigned_big: '0x10' }, 'unsigned_big: expected a uint64 (plexus.test.Sample.unsigned_big): got a string ("0x10"), which is not a decimal whole number'],
    ['a float32 overflow', { ratio: 1e39 }, 'ratio: expected a float (plexus.test.Sample.ratio): 1e+39 is out of range for a 32-bit float'],
    ['a float as words', { precise: 'lots' }, 'precise: expected a double (plexus.test.Sample.precise): got a string ("lots"), which is not a number'],
    ['a bool as a string', { enabled: 'yes' }, 'enabled: expected true or false (plexus.test.Sample.enabled), got a string ("yes")'],
    ['a number for a string', { name: 3 }, 'name: expected a string (plexus.test.Sample.name), got a number (3)'],
    ['unpadded base64', { blob: 'aGVsbG8' }, 'blob: invalid base64 in "aGVsbG8"'],
    ['an enum number given as a string', { colour: '1' }, 'colour: unknown value "1" for enum plexus.test.Colour; expected one of COLOUR_UNSPECIFIED, RED, GREEN'],
    ['a bad int map key', { by_number: { one: 'x' } }, 'by_number/one: invalid int32 map key "one"'],
    ['a bad bool map key', { by_flag: { yes: 'x' } }, 'by_flag/yes: expected a bool map key ("true" or "false"), got "yes"'],
    ['a list element of the wrong type', { inners: [{ weights: [1, 'x'] }] }, 'inners/0/weights/1: expected an int32 (plexus.test.Inner.weights)'],
    ['a duration in days', { wait: '1d' }, 'wait: invalid duration "1d"'],
    ['an impossible date', { at: '2023-02-29T00:00:00Z' }, 'at: expected an RFC 3339 timestamp'],
    ['a timestamp without a zone', { at: '2024-01-01T00:00:00' }, 'at: expected an RFC 3339 timestamp'],
    ['a wrapper as an object', { limit: { value: 3 } }, 'limit: expected a uint32 (the bare value of a google.protobuf.UInt32Value) as a whole number or a decimal string, got an object'],
    ['a Struct that is a list', { extra: [1] }, 'extra: expected an object (google.protobuf.Struct), got a list'],
    ['a ListValue that is an object', { items: {} }, 'items: expected a list (google.protobuf.ListValue), got an object'],
    ['a FieldMask string', { mask: 'a,b' }, 'mask: expected an object {paths: [...]} (google.protobuf.FieldMask)'],
    ['an Any of an unknown type', { payload: { '@type': 'x/plexus.test.Nope' } }, 'payload/@type: unknown type plexus.test.Nope'],
    ['an Any with a non-string @type', { payload: { '@type': 5 } }, 'payload/@type: expected a type URL string, got a number (5)'],
    ['a bad field inside an Any', { payload: { '@type': 'type.googleapis.com/plexus.test.Inner', weights: 'heavy' } }, 'payload/weights: expected a list'],
    ['a message given as a list', { inner: [] }, 'inner: expected an object (plexus.test.Inner), got a list'],
    ['a top-level value that is not an object', 'text', ': expected an object (plexus.test.Sample), got a string ("text")'],
  ];
  for (const [name, value, want] of rejected) {
    it(`rejects ${name}`, () => {
      const got = lines(value);
      assert.ok(got.some((l) => l.startsWith(want)), `want ${want}\ngot:\n${got.join('\n')}`);
      assert.ok(check(value).every((p) => p.severity === 'error'));
    });
  }

  it('reports unknown fields with a suggestion, at the severity asked for', () => {
    assert.deepEqual(check({ unsigned_smal: 1 }).map((p) => [p.severity, p.code, p.message]), [
      ['error', 'unknown-field', 'unknown field "unsigned_smal" in plexus.test.Sample; did you mean "unsigned_small"?'],
    ]);
    assert.equal(check({ zzz: 1 }, { unknownFields: 'warning' })[0].severity, 'warning');
    assert.match(check({ zzz: 1 })[0].message, /in plexus\.test\.Sample$/, 'no suggestion when nothing is close');
  });

  it('flags two members of a oneof at the one that wins, and both spellings of one field', () => {
    assert.deepEqual(lines({ host: 'a', port: 1 }), ['port: only one of host, port may be set (oneof target), but "host" and "port" are; only "port", declared last, takes effect']);
    assert.deepEqual(lines({ unsigned_small: 1, unsignedSmall: 2 }), ['warning unsigned_small: "unsigned_small" and "unsignedSmall" are the same field; "unsigned_small" is ignored']);
  });

  it('names fields the way protoc does', () => {
    assert.equal(jsonNameOf(sample.fields.unsigned_big), 'unsignedBig');
    assert.equal(jsonNameOf(sample.fields.odd__name_), 'oddName');
    assert.deepEqual(lines({ oddName: 'x' }), []);
  });

  it('gives up on absurd nesting instead of recursing without end', () => {
    let v: Record<string, unknown> = {};
    const top = v;
    for (let i = 0; i < 150; i++) {
      const next: Record<string, unknown> = {};
      v.payload = { '@type': 'type.googleapis.com/plexus.test.Sample', ...next };
      v = v.payload as Record<string, unknown>;
    }
    assert.ok(lines(top).some((l) => l.includes('nested more than 100 messages deep')));
  });
});

describe('EnvoyTypeRegistry', () => {
  it('finds a type by loading its package folder, and says what is missing otherwise', () => {
    const registry = new EnvoyTypeRegistry();
    const lua = registry.lookup('envoy.extensions.filters.http.lua.v3.Lua');
    assert.ok('type' in lua && lua.type.fields.inline_code);
    assert.ok(!('type' in registry.lookup('envoy.config.cluster.v3.Cluster.LbPolicy')), 'an enum is not a message');
    assert.deepEqual(registry.lookup('envoy.extensions.filters.http.lua.v3.Nope'), { missing: 'type', package: 'envoy.extensions.filters.http.lua.v3' });
    assert.deepEqual(registry.lookup('no.such.pkg.Thing'), { missing: 'package', package: 'no.such.pkg' });
    assert.ok('type' in registry.lookup('google.protobuf.Duration'));
    assert.ok('type' in registry.lookup('xds.type.v3.TypedStruct'));
    assert.ok(registry.messagesIn('envoy.extensions.filters.http.lua.v3').includes('envoy.extensions.filters.http.lua.v3.LuaPerRoute'));
  });

  it('takes the package from the segments before the first capitalised one', () => {
    assert.equal(packageOf('envoy.config.cluster.v3.Cluster.CommonLbConfig'), 'envoy.config.cluster.v3');
    assert.equal(packageOf('stats.PluginConfig'), 'stats');
  });
});
