/**
 * Splits a text into pieces of at most `maxChars` characters, cutting at the last whitespace
 * before the limit when there is one (so words stay whole), and never returning empty pieces.
 */
export function splitIntoChunks(text: string, maxChars: number): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > maxChars) {
    const window = rest.slice(0, maxChars + 1);
    const cut = window.search(/\s\S*$/);
    const end = cut > maxChars / 2 ? cut : maxChars;
    chunks.push(rest.slice(0, end).trim());
    rest = rest.slice(end).trim();
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}
