package org.enclaveos.signer.journal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * The lines of a journal that tell how some SIGSTRUCTs were made: from the start of the earliest
 * ceremony that journaled one of them to the end of the latest, contiguous, with the hash of the line
 * before them (the anchor). Anyone holding the segment can check that its lines chain to the anchor;
 * anyone holding the journal, or the last-line hash minuted at the ceremony, can check the anchor.
 */
public record JournalSegment(String anchor, long firstSeq, byte[] lines) {
    private static final String MISSING = " (the ceremony journal sign-offline wrote)";

    /** Events that record a SIGSTRUCT in the output directory. */
    public static final Set<String> SIGNED_EVENTS = Set.of("signed", "already-signed");
    /**
     * A segment larger than this is refused. A ceremony journals about 1 KB per request (an 8,000-request
     * ceremony wrote 8.1 MB), so this is a ceremony of about 65,000 requests.
     */
    public static final int MAX_BYTES = 64 << 20;

    /**
     * The segment for these SIGSTRUCTs.
     *
     * @param sigstructs request id to the SHA-256 (hex) of its SIGSTRUCT's bytes; each must have a
     *                   {@code signed} or {@code already-signed} line, else the journal is not the one
     *                   that made them
     */
    public static JournalSegment select(Path journal, Map<String, String> sigstructs) {
        return select(journal, sigstructs, MAX_BYTES);
    }

    /** No ceremony open (line numbers start at 1). */
    private static final long NONE = 0;

    static JournalSegment select(Path journal, Map<String, String> sigstructs, int maxBytes) {
        // First pass: the chain, which ceremonies journaled which SIGSTRUCTs, and where each ceremony ends.
        Map<String, Long> ceremonyOf = new HashMap<>();
        TreeMap<Long, Long> ceremonies = new TreeMap<>();
        Map<Long, String> anchors = new HashMap<>();
        long[] openStart = {NONE};
        JournalChain.walk(journal, MISSING, (line, raw) -> {
            String event = line.event();
            if ("ceremony-start".equals(event)) {
                openStart[0] = line.seq();
                ceremonies.put(line.seq(), line.seq());
                anchors.put(line.seq(), line.fields().path("prev").asText());
            } else if (openStart[0] != NONE) {
                ceremonies.put(openStart[0], line.seq());
                if ("ceremony-end".equals(event) || "ceremony-failed".equals(event)) {
                    openStart[0] = NONE;
                }
            }
            String id = line.fields().path("id").asText(null);
            if (SIGNED_EVENTS.contains(event) && id != null && openStart[0] != NONE
                    && line.fields().path("sigstructSha256").asText("").equals(sigstructs.get(id))) {
                ceremonyOf.put(id, openStart[0]);
            }
            return true;
        });
        Set<String> missing = new LinkedHashSet<>(sigstructs.keySet());
        missing.removeAll(ceremonyOf.keySet());
        if (!missing.isEmpty()) {
            throw new SignerException(ErrorKind.INTEGRITY, journal + ": no ceremony in this journal signed "
                    + String.join(", ", missing) + " with these SIGSTRUCT bytes; give the journal of the ceremony that "
                    + "made them (--journal)");
        }
        long first = ceremonyOf.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        long last = ceremonyOf.values().stream().mapToLong(ceremonies::get).max().orElseThrow();
        // Second pass: the lines themselves (checked again: the file is read twice).
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JournalChain.walk(journal, MISSING, (line, raw) -> {
            if (line.seq() >= first && line.seq() <= last) {
                if (out.size() + raw.length + 1 > maxBytes) {
                    throw SignerException.malformed(journal + ": the ceremonies' lines exceed " + maxBytes + " bytes");
                }
                out.writeBytes(raw);
                out.write('\n');
            }
            return line.seq() < last; // the lines after the segment need not be read
        });
        return new JournalSegment(anchors.get(first), first, out.toByteArray());
    }

    /** Checks that the lines chain from the anchor; returns them parsed. */
    public List<JournalChain.Line> check(String where) {
        List<JournalChain.Line> parsed = new ArrayList<>();
        try (InputStream in = new java.io.ByteArrayInputStream(lines)) {
            JournalChain.LineReader reader = new JournalChain.LineReader(in, where);
            String prev = anchor;
            long seq = firstSeq;
            for (byte[] raw; (raw = reader.next()) != null; ) {
                JournalChain.Line l = JournalChain.check(where, seq++, raw, prev);
                parsed.add(l);
                prev = l.hash();
            }
            if (reader.torn() != null) {
                throw JournalChain.broken(where, seq, "the line is incomplete (no newline)");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (parsed.isEmpty()) {
            throw JournalChain.broken(where, firstSeq, "no lines");
        }
        return parsed;
    }

    /** The hash of the segment's last line. */
    public String lastHash() {
        List<JournalChain.Line> l = check("journal segment");
        return l.get(l.size() - 1).hash();
    }
}
