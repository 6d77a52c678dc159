import type { QrCode } from './encode.js';

/**
 * An SVG image of a QR code with the 4-module quiet zone the standard requires (§6.3.8). Horizontal
 * runs of dark modules become one path segment each, keeping a version 8 code around 10 KB.
 */
export function qrToSvg(code: QrCode, options: { readonly title?: string } = {}): string {
  const quiet = 4;
  const extent = code.size + quiet * 2;
  let path = '';
  code.modules.forEach((row, r) => {
    for (let c = 0; c < code.size; ) {
      if (!row[c]) {
        c++;
        continue;
      }
      let end = c;
      while (end < code.size && row[end]) end++;
      path += `M${c + quiet} ${r + quiet}h${end - c}v1h-${end - c}z`;
      c = end;
    }
  });
  const title = options.title ? `<title>${options.title.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)}</title>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${extent} ${extent}" shape-rendering="crispEdges">${title}<rect width="${extent}" height="${extent}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
}
