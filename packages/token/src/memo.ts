/**
 * `fn` with its last argument and result remembered. For normalisations whose input is the same on
 * nearly every call (a verifier's expected `typ`, a server's own `htu`): one string compare instead of
 * the work. A throw leaves the memo as it was.
 */
export function rememberLast(fn: (input: string) => string): (input: string) => string {
  let lastInput: string | undefined;
  let lastOutput = '';
  return (input) => {
    if (input !== lastInput) {
      lastOutput = fn(input);
      lastInput = input;
    }
    return lastOutput;
  };
}
