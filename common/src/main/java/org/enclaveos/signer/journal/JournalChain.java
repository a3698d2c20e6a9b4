package org.enclaveos.signer.journal;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.sgx.Hash256;

/**
 * The rule that makes a ceremony journal a chain, in one place for the journal's writer (sign-offline)
 * and for the readers of its lines elsewhere (the signing evidence attach publishes): line {@code n}
 * is a JSON object whose {@code seq} is {@code n} and whose {@code prev} is the SHA-256 of the bytes of
 * line {@code n - 1} (64 zeros for the first line). A segment of a journal chains the same way from its
 * <em>anchor</em>, the hash of the line before it.
 */
public final class JournalChain {
    /** The {@code prev} of a journal's first line. */
    public static final String GENESIS = "0".repeat(64);
    /** No line sign-offline writes comes near this (a ceremony-start line lists every request by two hashes). */
    public static final int MAX_LINE = 64 << 20;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JournalChain() {
    }

    /** One checked line: its parsed fields and the hash the next line must name as {@code prev}. */
    public record Line(long seq, JsonNode fields, String hash) {
        public String event() {
            return fields.path("event").asText("");
        }
    }

    /**
     * Checks that {@code line} is line {@code n} following a line whose hash is {@code prev}.
     *
     * @param where the journal's name, for the error
     */
    public static Line check(String where, long n, byte[] line, String prev) {
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (IOException e) {
            throw broken(where, n, "not a JSON object");
        }
        if (node == null || !node.isObject()) {
            throw broken(where, n, "not a JSON object");
        }
        if (node.path("seq").asLong(-1) != n) {
            throw broken(where, n, "seq is " + node.path("seq") + ", expected " + n + " (a line was removed or moved)");
        }
        if (!prev.equals(node.path("prev").asText())) {
            throw broken(where, n, "prev is " + node.path("prev").asText() + ", but the SHA-256 of "
                    + (n == 1 ? "nothing (first line)" : "line " + (n - 1)) + " is " + prev);
        }
        return new Line(n, node, Hash256.sha256(line).hex());
    }

    /**
     * Reads a journal line by line, bounded: memory holds one line, never the journal. A last line
     * without its newline (a write that was cut) is not returned as a line; {@link #torn} gives it.
     */
    public static final class LineReader {
        private final java.io.InputStream in;
        private final String where;
        private final int maxLine;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        private long count;
        private byte[] torn;

        /** @param in a buffered stream */
        public LineReader(java.io.InputStream in, String where) {
            this(in, where, MAX_LINE);
        }

        LineReader(java.io.InputStream in, String where, int maxLine) {
            this.in = in;
            this.where = where;
            this.maxLine = maxLine;
        }

        /** The next complete line without its newline, or null at the end of the journal. */
        public byte[] next() throws IOException {
            line.reset();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (line.size() == maxLine) {
                    throw broken(where, count + 1, "longer than " + maxLine + " bytes: not a journal line");
                }
                line.write(c);
            }
            if (c < 0) {
                if (line.size() > 0) {
                    torn = line.toByteArray();
                }
                return null;
            }
            count++;
            return line.toByteArray();
        }

        /** The bytes after the last newline, if the journal ends with an incomplete line; else null. */
        public byte[] torn() {
            return torn;
        }
    }

    /** Receives each checked line of a {@link #walk}; returns whether to go on reading. */
    @FunctionalInterface
    public interface Visitor {
        boolean line(Line line, byte[] raw);
    }

    /** What a walk read: whole lines, and the bytes of an incomplete last line (null if there is none). */
    public record Walked(long lines, byte[] torn) {
    }

    /**
     * Reads a journal file line by line, checking the chain from its first line, and hands each line to
     * {@code visitor} until it says stop. One line in memory at a time. A torn last line is returned,
     * not judged: the journal writer drops it, a reader refuses it.
     *
     * @param missing added to "no such file" to say which journal was expected ("" for none)
     */
    public static Walked walk(java.nio.file.Path journal, String missing, Visitor visitor) {
        org.enclaveos.signer.io.SmallFiles.requireRegular(journal, "journal");
        try (java.io.InputStream in = new java.io.BufferedInputStream(java.nio.file.Files.newInputStream(journal), 1 << 16)) {
            LineReader reader = new LineReader(in, journal.toString());
            String prev = GENESIS;
            long n = 0;
            for (byte[] raw; (raw = reader.next()) != null; ) {
                Line l = check(journal.toString(), ++n, raw, prev);
                prev = l.hash();
                if (!visitor.line(l, raw)) {
                    return new Walked(n, null);
                }
            }
            return new Walked(n, reader.torn());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new SignerException(ErrorKind.IO, journal + ": no such file" + missing);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, journal + ": cannot read: "
                    + org.enclaveos.signer.io.AtomicFiles.describe(e), e);
        }
    }

    public static SignerException broken(String where, long line, String why) {
        return new SignerException(ErrorKind.VERIFICATION_FAILED, where + ": journal broken at line " + line + ": " + why);
    }
}
