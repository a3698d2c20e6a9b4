package org.enclaveos.signer.signoffline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Any change to a journal's bytes is found by --verify-journal: as a broken chain, or (an edit of the
 * last line, which no later line vouches for) as a different last-line SHA-256 than the one recorded
 * at the end of the ceremony. That hash is the anchor operators write down.
 */
class JournalPropertiesTest {
    static final byte[] VALID;
    static final String ANCHOR;

    static {
        try {
            Path f = Files.createTempFile("journal", ".jsonl");
            Files.delete(f);
            Journal j = Journal.open(f);
            for (int i = 0; i < 5; i++) {
                j.append("signed", Journal.fields().put("id", "app" + i).put("n", i));
            }
            VALID = Files.readAllBytes(f);
            ANCHOR = Journal.verify(f).lastHash();
            Files.delete(f);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Provide
    Arbitrary<byte[]> edited() {
        Arbitrary<byte[]> truncated = Arbitraries.integers().between(1, VALID.length - 1)
                .map(n -> java.util.Arrays.copyOf(VALID, n))
                .filter(b -> b[b.length - 1] != '\n'); // cutting at a line end is a shorter, valid journal
        Arbitrary<byte[]> changed = Arbitraries.integers().between(0, VALID.length - 1).flatMap(pos ->
                Arbitraries.bytes().filter(v -> v != VALID[pos]).map(v -> {
                    byte[] b = VALID.clone();
                    b[pos] = v;
                    return b;
                }));
        return Arbitraries.oneOf(truncated, changed);
    }

    @Property(tries = 300)
    void everyEditIsABrokenChain(@ForAll("edited") byte[] journal) throws IOException {
        Path f = Files.createTempFile("journal", ".jsonl");
        try {
            Files.write(f, journal);
            try {
                Journal.Tail tail = Journal.verify(f);
                if (tail.lastHash().equals(ANCHOR)) {
                    throw new AssertionError("an edited journal verified with the recorded last-line hash");
                }
            } catch (SignerException e) {
                assertEquals(ErrorKind.VERIFICATION_FAILED, e.kind(), e.getMessage());
            }
        } finally {
            Files.delete(f);
        }
    }
}
