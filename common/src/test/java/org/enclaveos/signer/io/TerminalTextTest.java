package org.enclaveos.signer.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What may reach a terminal as it is, and how everything else is shown. */
class TerminalTextTest {
    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x07, 0x08, 0x09, 0x0a, 0x0d, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f, 0x061c, 0x200b,
        0x200c, 0x200d, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2060, 0x2066, 0x2067,
        0x2068, 0x2069, 0xfeff, 0xfff9, 0xfffb})
    void controlsBidiAndInvisibleCharactersAreUnsafe(int c) {
        String s = "a" + (char) c + "b";
        assertEquals(Optional.of(String.format("U+%04X", c)), TerminalText.firstUnsafe(s));
        assertEquals("a" + String.format("\\u%04x", c) + "b", TerminalText.escape(s));
    }

    @ParameterizedTest
    @ValueSource(strings = {"registry.example/app:1", "é ü 中文 ☃", "\ud83d\ude00 emoji", "~!@#$%^&*()_+{}|:<>?", " ", "\u00a0x"})
    void printableTextIsLeftAlone(String s) {
        assertEquals(Optional.empty(), TerminalText.firstUnsafe(s));
        assertEquals(s, TerminalText.escape(s));
        assertEquals(s, guarded(s));
    }

    @Test
    void supplementaryFormatCharactersAndLoneSurrogatesAreEscaped() {
        assertEquals("x\\udb40\\udc41y", TerminalText.escape("x\udb40\udc41y")); // TAG LATIN CAPITAL A
        assertEquals(Optional.of("U+E0041"), TerminalText.firstUnsafe("x\udb40\udc41y"));
        assertEquals("x\\ud800y", TerminalText.escape("x\ud800y"));
        assertEquals("x\\udc00", TerminalText.escape("x\udc00"));
        assertEquals("x\\udb40", TerminalText.escape("x\udb40"));
        assertEquals(Optional.of("U+D800"), TerminalText.firstUnsafe("\ud800"));
    }

    @Test
    void unassignedCodePointsAreUnsafeOnlyWhereFormatCharactersLive() {
        // Unassigned in the BMP below the specials block, and in the supplementary planes below the tag
        // block, a terminal shows as a box; U+FFF0.. and U+E0000.. are where invisible characters live.
        assertEquals(Optional.empty(), TerminalText.firstUnsafe("\u0378"));
        assertEquals(Optional.of("U+FFF0"), TerminalText.firstUnsafe("\ufff0"));
        assertEquals(Optional.empty(), TerminalText.firstUnsafe(new String(Character.toChars(0x3fffd))));
        assertEquals(Optional.of("U+E0080"), TerminalText.firstUnsafe(new String(Character.toChars(0xe0080))));
        assertEquals(Optional.of("U+E0000"), TerminalText.firstUnsafe(new String(Character.toChars(0xe0000))));
        assertEquals(Optional.empty(), TerminalText.firstUnsafe(new String(Character.toChars(0xdffff))));
        assertEquals("\\udb40\\udc80", TerminalText.escape(new String(Character.toChars(0xe0080))));
    }

    @Test
    void aWordHasNoSpaceOfAnyKindSoWrappingCannotStartARow() {
        assertEquals("/a\\u0020\\u0020b\\u00a0c\\u3000d\\u2003e\\u001b", TerminalText.escapeWord("/a  b\u00a0c\u3000d\u2003e\u001b"));
        assertEquals("/plain/path.sgxs", TerminalText.escapeWord("/plain/path.sgxs"));
        assertEquals("a\\\\u0020", TerminalText.escapeWord("a\\u0020"), "still injective");
    }

    @Test
    void escapingIsInjective() {
        // A literal backslash-u in a field must not look like an escaped control character.
        assertNotEquals(TerminalText.escape("\\u001b"), TerminalText.escape("\u001b"));
        assertEquals("\\\\u001b", TerminalText.escape("\\u001b"));
        assertEquals("null", TerminalText.escape(null));
        assertEquals(Optional.empty(), TerminalText.firstUnsafe(null));
        assertEquals("", TerminalText.escape(""));
    }

    @Test
    void theGuardKeepsLineFeedsAndTabsAndEscapesTheRest() {
        assertEquals("row 1\n\trow 2\\u000d\\u001b[2A\\u202e\\u0085 \\udb40\\udc41 \ud83d\ude00\n",
                guarded("row 1\n\trow 2\r\u001b[2A\u202e\u0085 \udb40\udc41 \ud83d\ude00\n"));
        // In JSON the guard's escape is JSON's own: a document keeps its meaning.
        assertEquals("{\"a\":\"x\\u202ey\"}", guarded("{\"a\":\"x\u202ey\"}"));
        assertEquals("a\\ud800b", guarded("a\ud800b"));
        assertEquals("a\\udc00", guarded("a\udc00"));
        assertEquals("end\\ud83d", guarded("end\ud83d"), "a high surrogate left at flush is escaped");
    }

    @Test
    void theGuardWorksCharByCharToo() throws IOException {
        StringWriter out = new StringWriter();
        Writer w = TerminalText.guard(out);
        for (char c : "a\u001bb\ud83d\ude00".toCharArray()) {
            w.write(c);
        }
        w.write(new char[] {'\r', 'z'}, 0, 2);
        w.flush();
        assertEquals("a\\u001bb\ud83d\ude00\\u000dz", out.toString());
    }

    private static String guarded(String s) {
        StringWriter out = new StringWriter();
        try (Writer w = TerminalText.guard(out)) {
            w.write(s);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toString();
    }

    @org.junit.jupiter.api.Test
    void columnsArePaddedNeverCut() {
        assertEquals("ab   ", TerminalText.padRight("ab", 5));
        assertEquals("abcde", TerminalText.padRight("abcde", 5));
        assertEquals("abcdef", TerminalText.padRight("abcdef", 5), "a longer text pushes the row right");
        assertEquals("     ", TerminalText.padRight("", 5));
    }
}
