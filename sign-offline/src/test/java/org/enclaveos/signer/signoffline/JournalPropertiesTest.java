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

    /** The journal's lines, each with its newline. */
    static java.util.List<byte[]> lines() {
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        int start = 0;
        for (int i = 0; i < VALID.length; i++) {
            if (VALID[i] == '\n') {
                out.add(java.util.Arrays.copyOfRange(VALID, start, i + 1));
                start = i + 1;
            }
        }
        return out;
    }

    static byte[] join(java.util.List<byte[]> lines) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        lines.forEach(b::writeBytes);
        return b.toByteArray();
    }

    @Provide
    Arbitrary<byte[]> edited() {
        int n = lines().size();
        // Cut anywhere, line ends included: a shorter journal whose chain holds is still caught by the anchor.
        Arbitrary<byte[]> truncated = Arbitraries.integers().between(0, VALID.length - 1)
                .map(k -> java.util.Arrays.copyOf(VALID, k));
        Arbitrary<byte[]> changed = Arbitraries.integers().between(0, VALID.length - 1).flatMap(pos ->
                Arbitraries.bytes().filter(v -> v != VALID[pos]).map(v -> {
                    byte[] b = VALID.clone();
                    b[pos] = v;
                    return b;
                }));
        Arbitrary<byte[]> deleted = Arbitraries.integers().between(0, n - 1).map(k -> {
            java.util.List<byte[]> l = new java.util.ArrayList<>(lines());
            l.remove((int) k);
            return join(l);
        });
        Arbitrary<byte[]> swapped = Arbitraries.integers().between(0, n - 2).map(k -> {
            java.util.List<byte[]> l = new java.util.ArrayList<>(lines());
            java.util.Collections.swap(l, k, k + 1);
            return join(l);
        });
        Arbitrary<byte[]> duplicated = Arbitraries.integers().between(0, n - 1).map(k -> {
            java.util.List<byte[]> l = new java.util.ArrayList<>(lines());
            l.add(k, l.get(k));
            return join(l);
        });
        return Arbitraries.oneOf(truncated, changed, deleted, swapped, duplicated);
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
