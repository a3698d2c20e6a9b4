package org.enclaveos.signer.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.testing.EvidenceFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which journal lines go into the evidence, and how a segment is held to its anchor. */
class JournalSegmentTest {
    @TempDir
    Path dir;

    /** Made once per JVM: signing and writing the requests was most of a test's time under PIT. */
    static final EvidenceFixture fixture = EvidenceFixture.shared();

    private static List<String> lines(Path journal) throws Exception {
        return Files.readAllLines(journal);
    }

    @Test
    void theSegmentIsTheSigningCeremonyFromStartToEndAnchoredToTheLineBefore() throws Exception {
        EvidenceFixture f = fixture;
        JournalSegment s = JournalSegment.select(f.journal, f.sigstructHashes());
        List<String> all = lines(f.journal);
        assertEquals(String.join("\n", all.subList(2, 6)) + "\n", new String(s.lines(), StandardCharsets.UTF_8),
                "ceremony-start, both signed lines, ceremony-end; not the earlier ceremony");
        assertEquals(3, s.firstSeq());
        assertEquals(Hash256.sha256(all.get(1).getBytes(StandardCharsets.UTF_8)).hex(), s.anchor());
        List<JournalChain.Line> checked = s.check("segment");
        assertEquals(List.of("ceremony-start", "signed", "signed", "ceremony-end"),
                checked.stream().map(JournalChain.Line::event).toList());
        assertEquals(Hash256.sha256(all.get(5).getBytes(StandardCharsets.UTF_8)).hex(), s.lastHash(),
                "the last line's hash: what sign-offline printed for the minutes");
    }

    @Test
    void signaturesFromTwoCeremoniesTakeBothAndWhatLiesBetween() throws Exception {
        EvidenceFixture f = fixture;
        List<ObjectNode> lines = new ArrayList<>();
        lines.add(EvidenceFixture.line("ceremony-start").put("ceremonyId", "one"));
        RequestSet.Loaded first = f.requests.get(0);
        RequestSet.Loaded second = f.requests.get(1);
        lines.add(EvidenceFixture.signedLine(first, f.signed.get(first.id())));
        lines.add(EvidenceFixture.line("ceremony-end"));
        lines.add(EvidenceFixture.line("ceremony-start").put("ceremonyId", "unrelated"));
        lines.add(EvidenceFixture.line("ceremony-end"));
        lines.add(EvidenceFixture.line("ceremony-start").put("ceremonyId", "two"));
        lines.add(EvidenceFixture.signedLine(second, f.signed.get(second.id())));
        lines.add(EvidenceFixture.line("ceremony-end"));
        lines.add(EvidenceFixture.line("ceremony-start").put("ceremonyId", "later"));
        Path journal = dir.resolve("two.jsonl");
        EvidenceFixture.writeJournal(journal, lines);
        JournalSegment s = JournalSegment.select(journal, f.sigstructHashes());
        assertEquals(1, s.firstSeq());
        assertEquals(JournalChain.GENESIS, s.anchor());
        assertEquals(8, s.check("segment").size(), "lines 1 to 8: the later ceremony is not part of it");
    }

    @Test
    void theLatestCeremonyThatJournaledTheSigstructIsTaken() throws Exception {
        EvidenceFixture f = fixture;
        List<ObjectNode> lines = new ArrayList<>();
        for (String id : List.of("first", "rerun")) {
            lines.add(EvidenceFixture.line("ceremony-start").put("ceremonyId", id));
            for (RequestSet.Loaded l : f.requests) {
                lines.add(EvidenceFixture.signedLine(l, f.signed.get(l.id())).put("event", id.equals("rerun")
                        ? "already-signed" : "signed"));
            }
            lines.add(EvidenceFixture.line("ceremony-end"));
        }
        Path journal = dir.resolve("rerun.jsonl");
        EvidenceFixture.writeJournal(journal, lines);
        JournalSegment s = JournalSegment.select(journal, f.sigstructHashes());
        assertEquals(5, s.firstSeq());
        assertEquals("rerun", s.check("segment").get(0).fields().path("ceremonyId").asText());
    }

    @Test
    void aSigstructTheJournalNeverRecordedIsRefusedByName() {
        EvidenceFixture f = fixture;
        Map<String, String> other = new LinkedHashMap<>(f.sigstructHashes());
        other.put("app.sgx2", "00".repeat(32));
        SignerException e = assertThrows(SignerException.class, () -> JournalSegment.select(f.journal, other));
        assertEquals(ErrorKind.INTEGRITY, e.kind());
        assertTrue(e.getMessage().contains("signed app.sgx2 with these SIGSTRUCT bytes"), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.journal.toString()), e.getMessage());
    }

    @Test
    void aSignedLineOutsideAnyCeremonyDoesNotCount() throws Exception {
        EvidenceFixture f = fixture;
        List<ObjectNode> lines = new ArrayList<>();
        for (RequestSet.Loaded l : f.requests) {
            lines.add(EvidenceFixture.signedLine(l, f.signed.get(l.id())));
        }
        Path journal = dir.resolve("loose.jsonl");
        EvidenceFixture.writeJournal(journal, lines);
        assertThrows(SignerException.class, () -> JournalSegment.select(journal, f.sigstructHashes()));
    }

    @Test
    void aBrokenJournalIsNotRead() throws Exception {
        EvidenceFixture f = fixture;
        List<String> all = new ArrayList<>(lines(f.journal));
        all.set(1, all.get(1).replace("earlier", "earlieR"));
        Path edited = Files.write(dir.resolve("edited.jsonl"), all);
        SignerException e = assertThrows(SignerException.class, () -> JournalSegment.select(edited, f.sigstructHashes()));
        assertTrue(e.getMessage().contains("journal broken at line 3"), e.getMessage());
    }

    @Test
    void aSegmentHoldsOnlyToItsOwnAnchorAndNumbering() {
        EvidenceFixture f = fixture;
        JournalSegment s = JournalSegment.select(f.journal, f.sigstructHashes());
        SignerException anchor = assertThrows(SignerException.class,
                () -> new JournalSegment("11".repeat(32), s.firstSeq(), s.lines()).check("seg"));
        assertTrue(anchor.getMessage().contains("seg: journal broken at line 3: prev is"), anchor.getMessage());
        SignerException seq = assertThrows(SignerException.class,
                () -> new JournalSegment(s.anchor(), s.firstSeq() + 1, s.lines()).check("seg"));
        assertTrue(seq.getMessage().contains("seq is 3, expected 4"), seq.getMessage());
        byte[] flipped = s.lines().clone();
        flipped[flipped.length / 2] ^= 1;
        assertThrows(SignerException.class, () -> new JournalSegment(s.anchor(), s.firstSeq(), flipped).check("seg"));
        byte[] torn = java.util.Arrays.copyOf(s.lines(), s.lines().length - 1);
        SignerException t = assertThrows(SignerException.class, () -> new JournalSegment(s.anchor(), s.firstSeq(), torn)
                .check("seg"));
        assertTrue(t.getMessage().contains("incomplete"), t.getMessage());
        SignerException empty = assertThrows(SignerException.class, () -> new JournalSegment(s.anchor(), 3, new byte[0])
                .check("seg"));
        assertTrue(empty.getMessage().contains("no lines"), empty.getMessage());
    }
}
