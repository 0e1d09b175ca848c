import jpeg from 'jpeg-js';
import { dataError } from './data-error.js';

/** What the frame header of a JPEG says. */
export interface JpegInfo {
  readonly width: number;
  readonly height: number;
  /** Colour components: 1 greyscale, 3 colour (YCbCr/RGB), 4 CMYK/YCCK. */
  readonly components: number;
}

/**
 * Read a JPEG's frame header (SOFn) without decoding it. `undefined` when the bytes are not a
 * JPEG or no frame header comes before the first scan.
 *
 * @example
 * ```ts
 * jpegInfo(readFileSync('cat.jpg')); // { width: 64, height: 64, components: 3 }
 * ```
 */
export function jpegInfo(bytes: Uint8Array): JpegInfo | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan or end before any frame header
    const len = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (i + 10 > bytes.length) return undefined;
      return {
        height: (bytes[i + 5]! << 8) | bytes[i + 6]!,
        width: (bytes[i + 7]! << 8) | bytes[i + 8]!,
        components: bytes[i + 9]!,
      };
    }
    i += 2 + len;
  }
  return undefined;
}

/**
 * Decode a JPEG to `height·width·3` RGB bytes (HWC) with `jpeg-js`, expanding greyscale images to
 * RGB. Errors (`E_DATA`, naming `file`): not a JPEG, corrupt or truncated data, CMYK or other
 * non-RGB colour models, or a size other than `expect`.
 *
 * @example
 * ```ts
 * const rgb = decodeJpegRgb(readFileSync(file), file, { width: 64, height: 64 });
 * ```
 */
export function decodeJpegRgb(
  bytes: Uint8Array,
  file: string,
  expect?: { width: number; height: number },
): Uint8Array {
  const info = jpegInfo(bytes);
  if (!info) throw dataError(file, 'is not a JPEG file (no JPEG frame header)');
  if (info.components !== 1 && info.components !== 3) {
    throw dataError(
      file,
      `has ${info.components} colour components${info.components === 4 ? ' (CMYK)' : ''}; expected an RGB (3) or greyscale (1) JPEG`,
    );
  }
  if (expect && (info.width !== expect.width || info.height !== expect.height)) {
    throw dataError(file, `is ${info.width}×${info.height}; expected ${expect.width}×${expect.height}`);
  }
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxMemoryUsageInMB: 256,
    });
  } catch (e) {
    throw dataError(file, `is a corrupt JPEG (${(e as Error).message})`, { cause: e });
  }
  if (image.data.length !== image.width * image.height * 3) {
    throw dataError(file, `decoded to ${image.data.length} bytes, expected ${image.width}×${image.height}×3`);
  }
  return image.data;
}
