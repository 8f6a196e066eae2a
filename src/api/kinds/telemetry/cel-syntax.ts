/**
 * A light syntax check of a CEL expression (Telemetry filters and tag values): balanced
 * brackets, closed string literals, no dangling operator. It catches typos, not type errors.
 */
export function checkCelSyntax(expr: string): string | undefined {
  if (expr.trim() === '') return 'expression must not be empty';
  const closing: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '"' || c === "'") {
      const end = findQuoteEnd(expr, i);
      if (end < 0) return `unterminated string literal starting at offset ${i}`;
      i = end;
    } else if (c === '(' || c === '[' || c === '{') stack.push(c);
    else if (c in closing) {
      if (stack.pop() !== closing[c]) return `unbalanced ${JSON.stringify(c)} at offset ${i}`;
    }
  }
  if (stack.length > 0) return `unclosed ${JSON.stringify(stack[stack.length - 1])}`;
  if (/(&&|\|\||[=!<>]=|[+\-*/%<>!.?:])\s*$/.test(expr) && !/\)\s*$/.test(expr)) return 'expression ends with an operator';
  return undefined;
}

function findQuoteEnd(s: string, start: number): number {
  const q = s[start];
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === q) return i;
  }
  return -1;
}
