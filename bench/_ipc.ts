import type { ChildProcess } from 'node:child_process';

/**
 * The next IPC message of one `type` from a bench's child process, or an error after
 * `timeoutMs`. `M` is the union of the messages that child sends.
 */
export function nextMessage<M extends { type: string }, T extends M['type']>(child: ChildProcess, type: T, timeoutMs: number): Promise<Extract<M, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} from child within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: M) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m as Extract<M, { type: T }>);
    };
    child.on('message', onMessage);
  });
}
