import { runValidationCases } from '../../testing/validation-cases.js';

runValidationCases('Namespace', [
  { name: 'a namespace with the injection label', valid: true, noWarnings: true, yaml: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}' },
  { name: 'a namespace with finalizers', valid: true, yaml: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\nspec: {finalizers: [kubernetes]}' },
  { name: 'a dotted namespace name', valid: false, error: 'metadata.name: invalid name "shop.prod"', yaml: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop.prod}' },
  { name: 'an unknown spec field', valid: false, error: 'spec.labels: unknown field "labels"', yaml: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\nspec: {labels: {a: b}}' },
  { name: 'a namespace field on a Namespace warns', valid: true, warning: 'spec: a Namespace is cluster-scoped', yaml: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, namespace: default}' },
]);
