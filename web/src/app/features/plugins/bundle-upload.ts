import type { ApprovalState, UploadResult } from '../../core/protocol';

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

/** Every approval state an upload can answer with, so a new one in protocol does not go unsaid. */
const APPROVAL_TEXT: Readonly<Record<ApprovalState, string>> = {
  pending: 'It waits for an administrator to approve its capabilities.',
  inherited: 'It asks for nothing the previous approved version did not have, so it is approved.',
  approved: 'It is approved.',
  site: 'It is approved.',
};

/** What the upload did, in a sentence for the notice under the list. */
export function describeUpload(result: UploadResult): string {
  const verb = result.created ? 'was added' : 'was already stored';
  return `${result.pluginId} ${result.version} ${verb}. ${APPROVAL_TEXT[result.approval]}`;
}
