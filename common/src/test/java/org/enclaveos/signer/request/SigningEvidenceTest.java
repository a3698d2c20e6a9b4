package org.enclaveos.signer.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.journal.JournalSegment;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.testing.EvidenceFixture;
import org.enclaveos.signer.testing.TestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each check that holds signing evidence together, and a failure naming what broke when it does not hold. */
class SigningEvidenceTest {
    @TempDir
    Path dir;

    /** Made once per JVM: signing and writing the requests was most of a test's time under PIT. */
    static final EvidenceFixture fixture = EvidenceFixture.shared();

    private static SignerException refused(SigningEvidence e) {
        return assertThrows(SignerException.class, () -> e.check("ev"));
    }

    private static SigningEvidence with(SigningEvidence e, int i, SigningEvidence.Entry replacement) {
        List<SigningEvidence.Entry> entries = new ArrayList<>(e.entries());
        entries.set(i, replacement);
        return new SigningEvidence(entries, e.journal());
    }

    @Test
    void evidenceAsSignOfflineMadeItHoldsAndSaysWhatItRecords() {
        EvidenceFixture f = fixture;
        SigningEvidence.Findings found = f.evidence().check("ev");
        assertEquals(List.of("app.sgx1", "app.sgx2"), List.copyOf(found.sigstructs().keySet()));
        assertEquals(f.signed.get("app.sgx2"), found.byModel().get("sgx2"));
        assertEquals(1, found.ceremonies().size(), "only the ceremony that signed: " + found.ceremonies());
        assertEquals("cer-7", found.ceremonies().get(0).path("ceremonyId").asText());
        assertEquals("alice", found.ceremonies().get(0).path("operator").asText());
        assertEquals(Optional.of(f.evidence().journal().orElseThrow().lastHash()), found.journalLastHash());
    }

    @Test
    void withoutAJournalTheFilesStillHoldButNoCeremonyIsClaimed() {
        EvidenceFixture f = fixture;
        SigningEvidence.Findings found = new SigningEvidence(f.evidence().entries(), Optional.empty()).check("ev");
        assertEquals(List.of(), found.ceremonies());
        assertEquals(Optional.empty(), found.journalLastHash());
    }

    @Test
    void aSigstructThatDoesNotVerifyIsRefused() {
        EvidenceFixture f = fixture;
        RequestSet.Loaded l = f.requests.get(0);
        byte[] bad = f.signed.get(l.id()).toBytes();
        bad[Sigstruct.SIZE - 1000] ^= 1;
        SignerException e = refused(with(f.evidence(), 0, EvidenceFixture.entry(l, bad, Optional.empty())));
        assertEquals(ErrorKind.VERIFICATION_FAILED, e.kind());
        assertTrue(e.getMessage().startsWith("ev: app.sgx1.request.json: its SIGSTRUCT does not verify"), e.getMessage());
    }

    @Test
    void aSigstructOverAnotherRequestsPayloadIsRefused() {
        EvidenceFixture f = fixture;
        SignerException e = refused(with(f.evidence(), 0, EvidenceFixture.entry(f.requests.get(0),
                f.signed.get("app.sgx2").toBytes(), Optional.empty())));
        assertEquals(ErrorKind.INTEGRITY, e.kind());
        assertTrue(e.getMessage().contains("app.sgx1.request.json: the SIGSTRUCT signs another payload"), e.getMessage());
    }

    @Test
    void aSignerOtherThanTheOneTheRequestPinsIsRefused() {
        EvidenceFixture f = fixture;
        RequestSet.Loaded pinned = f.requests.get(1);
        Sigstruct other = SigstructSigner.sign(pinned.unsigned(), TestKeys.key("someone-else"));
        SignerException e = refused(with(f.evidence(), 1, EvidenceFixture.entry(pinned, other.toBytes(), Optional.empty())));
        assertEquals(ErrorKind.POLICY, e.kind());
        assertTrue(e.getMessage().contains("the request pins " + f.key.mrsigner()), e.getMessage());
    }

    @Test
    void aResponseThatAnswersSomethingElseIsRefused() {
        EvidenceFixture f = fixture;
        RequestSet.Loaded l = f.requests.get(0);
        SigningResponse r = EvidenceFixture.response(l, f.signed.get(l.id()));
        SigningResponse wrong = new SigningResponse(r.schema(), r.toolVersion(), r.name(), r.memoryModel(), r.requestSha256(),
                r.mrsigner(), r.signingPayloadSha256(), "00".repeat(32));
        SignerException e = refused(with(f.evidence(), 0, EvidenceFixture.entry(l, f.signed.get(l.id()).toBytes(),
                Optional.of(wrong.toJson()))));
        assertTrue(e.getMessage().contains("app.sgx1.request.json response: sigstructSha256 is 0000"), e.getMessage());
        SigningResponse otherRequest = new SigningResponse(r.schema(), r.toolVersion(), r.name(), r.memoryModel(),
                "11".repeat(32), r.mrsigner(), r.signingPayloadSha256(), r.sigstructSha256());
        assertTrue(refused(with(f.evidence(), 0, EvidenceFixture.entry(l, f.signed.get(l.id()).toBytes(),
                Optional.of(otherRequest.toJson())))).getMessage().contains("requestSha256 is 1111"));
    }

    @Test
    void theSameRequestTwiceIsRefused() {
        EvidenceFixture f = fixture;
        SigningEvidence e = f.evidence();
        SignerException x = refused(with(e, 1, e.entries().get(0)));
        assertTrue(x.getMessage().contains("is in the evidence twice"), x.getMessage());
    }

    @Test
    void nothingAtAllAndNamesThatAreNotRequestFilesAreRefused() {
        EvidenceFixture f = fixture;
        assertTrue(refused(new SigningEvidence(List.of(), Optional.empty())).getMessage().contains("no request"));
        SigningEvidence.Entry e = f.evidence().entries().get(0);
        for (String name : List.of("app.sgx1.json", "../app.sgx1.request.json")) {
            SignerException x = refused(with(f.evidence(), 0, new SigningEvidence.Entry(name, e.request(), e.sigstruct(),
                    e.response())));
            assertTrue(x.getMessage().contains("is not a request file name"), x.getMessage());
        }
    }

    @Test
    void aJournalThatDoesNotChainIsRefused() {
        EvidenceFixture f = fixture;
        JournalSegment s = f.evidence().journal().orElseThrow();
        String text = new String(s.lines(), StandardCharsets.UTF_8).replace("alice", "mallory");
        SignerException e = refused(new SigningEvidence(f.evidence().entries(), Optional.of(new JournalSegment(s.anchor(),
                s.firstSeq(), text.getBytes(StandardCharsets.UTF_8)))));
        assertTrue(e.getMessage().contains("ev: journal: journal broken at line 4"), e.getMessage());
    }

    @Test
    void aJournalThatDoesNotRecordEachSigstructIsRefused() {
        EvidenceFixture f = fixture;
        List<ObjectNode> lines = new ArrayList<>();
        lines.add(EvidenceFixture.line("ceremony-start"));
        RequestSet.Loaded l = f.requests.get(0);
        lines.add(EvidenceFixture.signedLine(l, f.signed.get(l.id())));
        lines.add(EvidenceFixture.line("ceremony-end"));
        Path journal = dir.resolve("one.jsonl");
        EvidenceFixture.writeJournal(journal, lines);
        JournalSegment one = JournalSegment.select(journal, java.util.Map.of(l.id(), f.sigstructHashes().get(l.id())));
        SignerException e = refused(new SigningEvidence(f.evidence().entries(), Optional.of(one)));
        assertTrue(e.getMessage().contains("has no signed line for app.sgx2"), e.getMessage());

        // A signed line for the right SIGSTRUCT but another request file (by hash) does not count either.
        lines.set(1, EvidenceFixture.signedLine(l, f.signed.get(l.id())).put("requestSha256", "22".repeat(32)));
        EvidenceFixture.writeJournal(journal, lines);
        JournalSegment otherFile = JournalSegment.select(journal, java.util.Map.of(l.id(), f.sigstructHashes().get(l.id())));
        SigningEvidence onlyFirst = new SigningEvidence(f.evidence().entries().subList(0, 1), Optional.of(otherFile));
        assertTrue(refused(onlyFirst).getMessage().contains("has no signed line for app.sgx1"));
    }

    @Test
    void aSegmentThatDoesNotBeginWithItsCeremonyIsRefused() {
        EvidenceFixture f = fixture;
        List<ObjectNode> lines = new ArrayList<>();
        for (RequestSet.Loaded l : f.requests) {
            lines.add(EvidenceFixture.signedLine(l, f.signed.get(l.id())));
        }
        Path journal = dir.resolve("headless.jsonl");
        EvidenceFixture.writeJournal(journal, lines);
        String text = String.join("\n", lines(journal)) + "\n";
        SignerException e = refused(new SigningEvidence(f.evidence().entries(), Optional.of(new JournalSegment(
                org.enclaveos.signer.journal.JournalChain.GENESIS, 1, text.getBytes(StandardCharsets.UTF_8)))));
        assertTrue(e.getMessage().contains("starts with 'signed', not with a ceremony-start line"), e.getMessage());
    }

    private static List<String> lines(Path p) {
        try {
            return java.nio.file.Files.readAllLines(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
