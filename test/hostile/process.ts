/**
 * Runs the hostile server (./server.ts) as a child process with a capped heap, and tells how it
 * ended. A crash is a result here, not an accident: `exit` says whether it happened.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The heap cap of the server process, in MiB: an attack that needs more crashes it. */
export const HEAP_CAP_MIB = 256;

export interface ServerProcess {
  /** `ws://127.0.0.1:PORT`; append `/rpc`, `/secure` or `/signal`. */
  readonly url: string;
  /** `undefined` while it runs; then its exit code or signal. */
  readonly exit: { readonly code: number | null; readonly signal: string | null } | undefined;
  /** The last few KiB it wrote to stderr (an OOM report, a stack). */
  readonly stderr: string;
  /** Kills it (SIGKILL) and waits for it to be gone. */
  stop(): Promise<void>;
}

const script = fileURLToPath(new URL('./server.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

export async function startServer(args: readonly string[] = []): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [`--max-old-space-size=${HEAP_CAP_MIB}`, '--import', 'tsx', script, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exit: ServerProcess['exit'];
  let stderr = '';
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk).slice(-4096)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const line = out.split('\n').find((text) => text.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    void exited.then(() => reject(new Error(`the server exited before listening: ${stderr}`)));
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    get exit() {
      return exit;
    },
    get stderr() {
      return stderr;
    },
    async stop() {
      if (!exit) child.kill('SIGKILL');
      await exited;
    },
  };
}
