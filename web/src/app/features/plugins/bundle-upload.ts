/** The bytes of a file as base64, the form `POST /api/plugins/upload` takes (the API accepts JSON only). */
export async function fileToBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(
    await new Promise<ArrayBuffer>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result as ArrayBuffer);
      reader.onerror = () => reject(reader.error ?? new Error('The file cannot be read'));
      reader.readAsArrayBuffer(file);
    }),
  );
  let binary = '';
  // In slices: String.fromCharCode with a whole multi-megabyte array overflows the call stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What the upload answered, narrowed from `unknown`: the shape lives in
 * core/src/plugins/schemas.ts, not (yet) in protocol/src/api.ts where the console could import it.
 */
export function describeUpload(result: unknown): { pluginId: string; version: string; text: string } | undefined {
  if (!isRecord(result) || typeof result['pluginId'] !== 'string' || typeof result['version'] !== 'string') return undefined;
  const { pluginId, version } = result as { pluginId: string; version: string };
  const approval = result['approval'];
  const state =
    approval === 'pending'
      ? 'It waits for an administrator to approve its capabilities.'
      : approval === 'inherited'
        ? 'It asks for nothing the previous approved version did not have, so it is approved.'
        : 'It is approved.';
  const verb = result['created'] === false ? 'was already stored' : 'was added';
  return { pluginId, version, text: `${pluginId} ${version} ${verb}. ${state}` };
}
