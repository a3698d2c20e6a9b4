package org.enclaveos.signer.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.testing.EvidenceFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chain rule's wording and the bounded line reader both sides of the air gap use. */
class JournalChainTest {
    @TempDir
    Path dir;

    /** Made once per JVM: signing and writing the requests was most of a test's time under PIT. */
    static final EvidenceFixture fixture = EvidenceFixture.shared();

    private static JournalChain.LineReader reader(String text) {
        return new JournalChain.LineReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), "j");
    }

    @Test
    void linesComeWithoutTheirNewlineAndACleanEndHasNoTornTail() throws Exception {
        JournalChain.LineReader r = reader("a\u0000b\n\nc\n");
        assertArrayEquals(new byte[] {'a', 0, 'b'}, r.next(), "a NUL byte is content, not an end");
        assertArrayEquals(new byte[0], r.next());
        assertArrayEquals(new byte[] {'c'}, r.next());
        assertNull(r.next());
        assertNull(r.torn());
    }

    @Test
    void anIncompleteLastLineIsNotALine() throws Exception {
        JournalChain.LineReader r = reader("a\nbc");
        assertArrayEquals(new byte[] {'a'}, r.next());
        assertNull(r.next());
        assertArrayEquals(new byte[] {'b', 'c'}, r.torn());
    }

    @Test
    void anOverlongLineIsRefusedByItsNumberWithoutReadingItAll() throws Exception {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'x';
            }
        };
        JournalChain.LineReader r = new JournalChain.LineReader(new SequenceInputStream(
                new ByteArrayInputStream("{}\n0123456789abcdef\n".getBytes(StandardCharsets.UTF_8)), endless), "j", 16);
        assertArrayEquals("{}".getBytes(StandardCharsets.UTF_8), r.next());
        assertEquals(16, r.next().length, "a line of exactly the bound is a line");
        SignerException e = assertThrows(SignerException.class, r::next);
        assertEquals("j: journal broken at line 3: longer than 16 bytes: not a journal line", e.getMessage());
    }

    @Test
    void aBrokenLinkNamesTheLineBefore() {
        byte[] first = "{\"seq\":1,\"prev\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        assertTrue(assertThrows(SignerException.class, () -> JournalChain.check("j", 1, first, JournalChain.GENESIS))
                .getMessage().endsWith("but the SHA-256 of nothing (first line) is " + JournalChain.GENESIS));
        byte[] third = "{\"seq\":3,\"prev\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        assertTrue(assertThrows(SignerException.class, () -> JournalChain.check("j", 3, third, "ab"))
                .getMessage().endsWith("but the SHA-256 of line 2 is ab"));
        assertTrue(assertThrows(SignerException.class, () -> JournalChain.check("j", 3, "[1]".getBytes(StandardCharsets.UTF_8),
                "ab")).getMessage().endsWith("not a JSON object"));
    }

    @Test
    void aSegmentLargerThanTheBoundIsRefused() {
        EvidenceFixture f = fixture;
        int size = JournalSegment.select(f.journal, f.sigstructHashes()).lines().length;
        assertEquals(size, JournalSegment.select(f.journal, f.sigstructHashes(), size).lines().length, "exactly the bound");
        SignerException e = assertThrows(SignerException.class,
                () -> JournalSegment.select(f.journal, f.sigstructHashes(), size - 1));
        assertTrue(e.getMessage().contains("the ceremonies' lines exceed " + (size - 1) + " bytes"), e.getMessage());
        assertThrows(SignerException.class, () -> JournalSegment.select(dir, Map.of("a", "b")), "a directory is no journal");
    }
}
