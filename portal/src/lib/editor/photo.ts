/** What the attachments API accepts (api/editing/attachments.ts): type and size, checked again there by the file's bytes. */
export const ATTACHMENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/pdf'] as const;
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** A photo re-encoded on the phone (another format, or too large) gets at most this many pixels on its longer side. */
const MAX_SIDE = 2560;

export type PreparedFile = { blob: Blob; fileName: string; contentType: string } | { error: 'tooBig' | 'badType' };

/**
 * A file from the file chooser or the camera, ready to upload: accepted types under the limit go as they
 * are; a photo in another format (a phone's HEIC) or over the limit is re-encoded as JPEG in the browser.
 */
export async function prepareFile(file: File): Promise<PreparedFile> {
  const accepted = (ATTACHMENT_TYPES as readonly string[]).includes(file.type);
  if (accepted && file.size <= MAX_ATTACHMENT_BYTES) return { blob: file, fileName: file.name || 'foto.jpg', contentType: file.type };
  if (!file.type.startsWith('image/')) return { error: accepted ? 'tooBig' : 'badType' };
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/jpeg', 0.85));
    if (!blob) return { error: 'badType' };
    if (blob.size > MAX_ATTACHMENT_BYTES) return { error: 'tooBig' };
    return { blob, fileName: `${(file.name || 'foto').replace(/\.[^.]*$/, '')}.jpg`, contentType: 'image/jpeg' };
  } catch {
    return { error: 'badType' };
  }
}
