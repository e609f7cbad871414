import { main } from '../../src/cli.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `scout` command in-process with its own environment and captured output. */
export async function scout(
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    env: { LOG_LEVEL: 'silent', ...env },
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}
