package org.enclaveos.signer.io;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.Writer;
import java.util.Optional;

/**
 * Text from a file (a request, a response, a journal, an image) on its way to a terminal. A
 * terminal obeys what it is sent: a carriage return, an escape sequence or a bidi override in a
 * request field can redraw the rows the operator already read, so the operator would approve what
 * the request did not say. Every character that moves the cursor, changes the display or is
 * invisible is therefore shown as {@code \}{@code uXXXX}: C0 controls (but for the line feed and tab
 * the tool itself writes, and only where it writes them), DEL, C1 controls, the bidi controls
 * (U+061C, U+200E/F, U+202A-202E, U+2066-2069), zero-width and other format characters (Unicode
 * category Cf), line and paragraph separators, and unpaired surrogates.
 */
public final class TerminalText {
    private TerminalText() {
    }

    /** Whether {@code c} may not reach a terminal as it is (the line feed and tab included). */
    public static boolean unsafe(char c) {
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
            return true; // C0, DEL, C1: cursor movement, escape sequences, 8-bit CSI
        }
        if (c < 0xa0) {
            return false; // printable ASCII
        }
        if (Character.isSurrogate(c)) {
            return false; // judged as a pair by unsafeAt
        }
        int type = Character.getType(c);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || type == Character.CONTROL || type == Character.UNASSIGNED && c >= 0xfff0;
    }

    /** The first character of {@code s} that {@link #escape} would change, as {@code U+XXXX}, if any. */
    public static Optional<String> firstUnsafe(String s) {
        if (s == null) {
            return Optional.empty();
        }
        for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            if (unsafeAt(s, i) > 0) {
                return Optional.of(String.format("U+%04X", s.codePointAt(i)));
            }
        }
        return Optional.empty();
    }

    /**
     * {@code s} with every unsafe character (line feed and tab included) as {@code \}{@code uXXXX},
     * and backslashes doubled, so that two different strings never look the same. Null is "null".
     */
    public static String escape(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int n = c == '\\' ? 1 : unsafeAt(s, i);
            if (n == 0) {
                int width = Character.charCount(s.codePointAt(i)); // a printable pair stays whole
                if (b != null) {
                    b.append(s, i, i + width);
                }
                i += width - 1;
                continue;
            }
            if (b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (c == '\\') {
                b.append("\\\\");
            } else {
                for (int k = 0; k < n; k++) {
                    b.append(hex(s.charAt(i + k)));
                }
                i += n - 1;
            }
        }
        return b == null ? s : b.toString();
    }

    /**
     * {@code s}, then spaces up to {@code width} characters: a column of a table (a longer text is not
     * cut, it pushes the rest of the row right). Not {@code String.format("%-20s")}: the first use of
     * java.util.Formatter was a measurable part of a short command's start-up (issue 17).
     */
    public static String padRight(String s, int width) {
        if (s.length() >= width) {
            return s;
        }
        StringBuilder b = new StringBuilder(width).append(s);
        while (b.length() < width) {
            b.append(' ');
        }
        return b.toString();
    }

    /**
     * {@link #escape} for a value shown as one word inside a row (a file path in the review): spaces
     * of every kind are escaped too. A terminal wraps a long line at its width, and a value with
     * spaces could be padded so that the wrapped part starts a screen line looking like a row of its
     * own; a value without spaces wraps as one unbroken token.
     */
    public static String escapeWord(String s) {
        String e = escape(s);
        StringBuilder b = new StringBuilder(e.length());
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (Character.isSpaceChar(c) || Character.isWhitespace(c)) {
                b.append(hex(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** How many chars at {@code i} are unsafe (0, 1, or 2 for a supplementary format character). */
    private static int unsafeAt(String s, int i) {
        char c = s.charAt(i);
        if (!Character.isSurrogate(c)) {
            return unsafe(c) ? 1 : 0;
        }
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            return unsafeSupplementary(s.codePointAt(i)) ? 2 : 0;
        }
        return 1; // an unpaired surrogate
    }

    /** Tags (the U+E0000 block) and other supplementary format characters are invisible too. */
    private static boolean unsafeSupplementary(int cp) {
        int type = Character.getType(cp);
        return type == Character.FORMAT || type == Character.UNASSIGNED && cp >= 0xe0000;
    }

    /** One char as the escape shows it: backslash, u, four lower-case hex digits. */
    private static String hex(char c) {
        return String.format("\\u%04x", (int) c);
    }

    /**
     * The last line of defence on a command's stdout and stderr: passes the line feed and tab (the
     * tool's own layout) and escapes every other unsafe character, whatever printed it. In JSON
     * output the escape is the JSON escape of the same character, so documents keep their meaning.
     */
    public static Writer guard(Writer out) {
        return new FilterWriter(out) {
            private char pendingHigh;

            @Override
            public void write(int c) throws IOException {
                char ch = (char) c;
                if (pendingHigh != 0) {
                    char high = pendingHigh;
                    pendingHigh = 0;
                    if (Character.isLowSurrogate(ch)) {
                        if (unsafeSupplementary(Character.toCodePoint(high, ch))) {
                            out.write(hex(high) + hex(ch));
                        } else {
                            out.write(high);
                            out.write(ch);
                        }
                        return;
                    }
                    out.write(hex(high));
                }
                if (Character.isHighSurrogate(ch)) {
                    pendingHigh = ch;
                } else if (ch == '\n' || ch == '\t' || !unsafe(ch) && !Character.isLowSurrogate(ch)) {
                    out.write(ch);
                } else {
                    out.write(hex(ch));
                }
            }

            @Override
            public void write(char[] cbuf, int off, int len) throws IOException {
                for (int i = 0; i < len; i++) {
                    write(cbuf[off + i]);
                }
            }

            @Override
            public void write(String str, int off, int len) throws IOException {
                for (int i = 0; i < len; i++) {
                    write(str.charAt(off + i));
                }
            }

            @Override
            public void flush() throws IOException {
                if (pendingHigh != 0) {
                    out.write(hex(pendingHigh));
                    pendingHigh = 0;
                }
                super.flush();
            }

            @Override
            public void close() throws IOException {
                flush();
                super.close();
            }
        };
    }
}
