/** Quotes one word for a POSIX shell, leaving plain words (paths, URLs, flags) readable as they are. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
