// What a hostile name is built from to escape a directory: parent and current directory, both
// separators, NUL, a line break and a percent-encoded dot. Fuzz tests add the pieces their target knows.
export const ESCAPE_FRAGMENTS: readonly string[] = ['..', '.', '/', '\\', '\u0000', '\n', '%2e'];
