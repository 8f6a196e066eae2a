import { fullName, type ResourceEntry } from './entry.js';
import { formatTemplate, type MessageType } from './message-types.js';

/** One finding: a message type, its parameters, and the resource and field it is about. */
export interface AnalysisMessage {
  type: MessageType;
  params: readonly unknown[];
  /** The resource the message is about; absent for problems outside any resource. */
  entry?: ResourceEntry;
  /** Field path (`spec.http[0].route[0].destination.host`) that locates the line. */
  path?: string;
  /** Explicit file and line, for problems found before there was a resource. */
  file?: string;
  line?: number;
  /** Name of the analyzer that produced it (filled in by the runner). */
  analyzer?: string;
}

/** The message text with its parameters filled in. */
export function messageText(m: AnalysisMessage): string {
  return formatTemplate(m.type.template, m.params);
}

/** `VirtualService default/reviews`, Istio's friendly name of the resource. */
export function originName(m: AnalysisMessage): string | undefined {
  return m.entry ? `${m.entry.kind} ${fullName(m.entry)}` : undefined;
}

/** `file.yaml:12`: the file and the line of the offending field, when known. */
export function reference(m: AnalysisMessage): string | undefined {
  const file = m.file ?? m.entry?.source?.file;
  if (!file) return undefined;
  const line = m.line ?? (m.entry?.source ? m.entry.source.lineOf(m.path ?? '') : undefined);
  return line ? `${file}:${line}` : file;
}

/** One line as istioctl prints it: `Error [IST0101] (VirtualService default/reviews f.yaml:3) text`. */
export function renderMessage(m: AnalysisMessage): string {
  const origin = originName(m);
  const ref = reference(m);
  const paren = origin ? ` (${origin}${ref ? ` ${ref}` : ''})` : ref ? ` (${ref})` : '';
  return `${m.type.level} [${m.type.code}]${paren} ${messageText(m)}`;
}

/** A message about `entry`, located at field `path` (`` for the resource itself). */
export function newMessage(type: MessageType, entry: ResourceEntry, path: string, ...params: unknown[]): AnalysisMessage {
  return { type, params, entry, path };
}
