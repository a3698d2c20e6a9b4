package org.enclaveos.signer.signoffline;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.AtomicFiles;
import org.enclaveos.signer.journal.JournalChain;
import org.enclaveos.signer.sgx.Hash256;

/**
 * The ceremony journal: append-only JSON lines, each carrying its sequence number and the SHA-256 of
 * the line before it (64 zeros for the first). Removing, reordering or editing any line breaks the
 * chain at that point, and {@link #verify} names the first broken line. Each line is written with one
 * append and flushed to disk before the ceremony goes on. Times are real (an audit record), so the
 * journal is the one output that differs between two identical runs.
 */
final class Journal {
    static final String GENESIS = JournalChain.GENESIS;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path file;
    private long seq;
    private String prev;

    private Journal(Path file, long seq, String prev) {
        this.file = file;
        this.seq = seq;
        this.prev = prev;
    }

    /** Opens a journal for appending; an existing one must verify first (no appending to a broken chain). */
    static Journal open(Path file) {
        switch (AtomicFiles.presence(file)) {
            // A journal is the ceremony's own file: a link in its place would append to a file elsewhere.
            case LINK -> throw new SignerException(ErrorKind.IO, file + ": is a symbolic link; the journal is not written "
                    + "through one (give --journal the real file)");
            case ABSENT -> {
                return new Journal(file, 0, GENESIS);
            }
            case PRESENT -> {
                // an earlier ceremony's: verified below before anything is appended
            }
        }
        Tail tail = scan(file, true);
        Journal j = new Journal(file, tail.lines(), tail.lastHash());
        if (tail.torn() != null) {
            j.dropTornTail(tail);
        }
        return j;
    }

    /** The verified lines; {@code torn}: the bytes after them when they are one incomplete line, if allowed. */
    record Tail(long lines, String lastHash, long length, byte[] torn) {
    }

    /** Checks the chain; returns the line count and the hash of the last line, or names the first broken line. */
    static Tail verify(Path file) {
        return scan(file, false);
    }

    /**
     * A line without its newline is a write that was cut (the process killed, or a failure the
     * rollback in {@link #append} could not undo). It was never flushed as complete, and every output
     * it would have recorded is on disk before it, so the next ceremony journals them again. Opening
     * for a ceremony drops those bytes and says so in a line of its own, with their hash; verifying
     * alone still reports them.
     */
    private void dropTornTail(Tail tail) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            ch.truncate(tail.length());
            ch.force(true);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, file + ": cannot remove an incomplete last line: "
                    + AtomicFiles.describe(e), e);
        }
        ObjectNode note = fields();
        note.put("droppedBytes", tail.torn().length);
        note.put("droppedSha256", Hash256.sha256(tail.torn()).hex());
        append("journal-recovered", note);
    }

    /** Reads line by line: a journal grows with every ceremony, memory must not. */
    private static Tail scan(Path file, boolean allowTornTail) {
        String[] prev = {GENESIS};
        long[] offset = {0};
        JournalChain.Walked walked = JournalChain.walk(file, "", (line, raw) -> {
            prev[0] = line.hash();
            offset[0] += raw.length + 1;
            return true;
        });
        if (walked.torn() != null && !allowTornTail) {
            throw broken(file, walked.lines() + 1, "the line is incomplete (no newline): an interrupted write or a "
                    + "truncated file");
        }
        return new Tail(walked.lines(), prev[0], offset[0], walked.torn());
    }

    private static SignerException broken(Path file, long line, String why) {
        return JournalChain.broken(file.toString(), line, why);
    }

    /** One event: its name and the fields that follow seq, prev, time and event, in their order. */
    record Event(String event, ObjectNode fields) {
    }

    void append(String event, ObjectNode fields) {
        append(List.of(new Event(event, fields)));
    }

    /**
     * Appends events with one write and one flush to disk (a group commit): either all of them are
     * on disk afterwards or, after a crash, a prefix of them, and the chain holds line by line.
     */
    void append(List<Event> events) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long nextSeq = seq;
        String nextPrev = prev;
        for (Event e : events) {
            ObjectNode line = MAPPER.createObjectNode();
            line.put("seq", ++nextSeq);
            line.put("prev", nextPrev);
            line.put("time", Instant.now().toString());
            line.put("event", e.event());
            line.setAll(e.fields());
            byte[] bytes;
            try {
                bytes = MAPPER.writeValueAsBytes(line);
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException(ex);
            }
            out.writeBytes(bytes);
            out.write('\n');
            nextPrev = Hash256.sha256(bytes).hex();
        }
        ByteBuffer buf = ByteBuffer.wrap(out.toByteArray());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS)) {
            long before = ch.size();
            try {
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            } catch (IOException e) {
                // A full disk can take part of the lines: cut them off again, so the journal still ends
                // with a complete line and the next ceremony appends to an intact chain.
                try {
                    ch.truncate(before);
                    ch.force(true);
                } catch (IOException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, file + ": cannot append to the journal: " + AtomicFiles.describe(e), e);
        }
        seq = nextSeq;
        prev = nextPrev;
    }

    static ObjectNode fields() {
        return MAPPER.createObjectNode();
    }

    Path file() {
        return file;
    }

    /** SHA-256 of the last line written: the anchor for the one line no later line vouches for. */
    String lastHash() {
        return prev;
    }

}
