package org.enclaveos.signer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;

import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.SigningEvidence;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.testing.EvidenceFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Evidence read back from a registry: its subject, its type, its annotations, and its SIGSTRUCTs against the image's. */
class ImageEvidenceTest {
    static final String SUBJECT = "sha256:" + "5a".repeat(32);

    @TempDir
    Path dir;

    /** Made once per JVM: signing and writing the requests was most of a test's time under PIT. */
    static final EvidenceFixture fixture = EvidenceFixture.shared();

    private static Referrers.Fetched fetched(Referrers.Artifact a, String artifactType, String subject,
                                             UnaryOperator<Map<String, String>> annotations, UnaryOperator<List<Referrers.Blob>> blobs) {
        return new Referrers.Fetched(new Descriptor(MediaTypes.OCI_MANIFEST, "sha256:" + "77".repeat(32), 100, null),
                artifactType, subject, annotations.apply(new TreeMap<>(a.annotations())), blobs.apply(new ArrayList<>(a.blobs())));
    }

    private static Referrers.Fetched fetched(Referrers.Artifact a) {
        return fetched(a, a.artifactType(), SUBJECT, m -> m, b -> b);
    }

    private static Map<MemoryModel, Optional<Sigstruct>> image(EvidenceFixture f) {
        Map<MemoryModel, Optional<Sigstruct>> m = new EnumMap<>(MemoryModel.class);
        m.put(MemoryModel.SGX1, Optional.of(f.signed.get("app.sgx1")));
        m.put(MemoryModel.SGX2, Optional.of(f.signed.get("app.sgx2")));
        return m;
    }

    private static String refused(Referrers.Fetched fetched, Map<MemoryModel, Optional<Sigstruct>> image) {
        return assertThrows(SignerException.class, () -> ImageEvidence.check(fetched, SUBJECT, image)).getMessage();
    }

    @Test
    void theArtifactNamesEachFileAndCarriesTheFactsAsAnnotations() {
        EvidenceFixture f = fixture;
        Referrers.Artifact a = ImageEvidence.artifact(f.evidence());
        assertEquals(SigningEvidence.ARTIFACT_TYPE, a.artifactType());
        assertEquals(List.of("app.sgx1.request.json", "app.sgx1.sigstruct", "app.sgx1.response.json", "app.sgx2.request.json",
                "app.sgx2.sigstruct", "app.sgx2.response.json", "journal.jsonl"), a.blobs().stream().map(Referrers.Blob::title).toList());
        assertEquals(f.key.mrsigner().hex(), a.annotations().get(SigningEvidence.MRSIGNER_ANNOTATION));
        assertEquals(f.signed.get("app.sgx2").mrenclave().hex(), a.annotations().get("org.enclaveos.mrenclave.sgx2"));
        assertEquals(f.evidence().journal().orElseThrow().anchor(), a.annotations().get(SigningEvidence.ANCHOR_ANNOTATION));
        assertEquals("3", a.annotations().get(SigningEvidence.FIRST_SEQ_ANNOTATION));
        SigningEvidence.Findings found = ImageEvidence.check(fetched(a), SUBJECT, image(f));
        assertEquals("cer-7", found.ceremonies().get(0).path("ceremonyId").asText());
    }

    @Test
    void theManifestIsDeterministicAndPointsAtItsSubject() throws Exception {
        EvidenceFixture f = fixture;
        Descriptor subject = new Descriptor(MediaTypes.OCI_MANIFEST, SUBJECT, 1234, null);
        byte[] one = ImageEvidence.artifact(f.evidence()).manifest(subject);
        assertEquals(new String(one, StandardCharsets.UTF_8), new String(ImageEvidence.artifact(f.evidence()).manifest(subject),
                StandardCharsets.UTF_8));
        JsonNode m = ImageDocuments.parse(one, "manifest");
        assertEquals(SUBJECT, m.at("/subject/digest").asText());
        assertEquals(1234, m.at("/subject/size").asLong());
        assertEquals(Referrers.EMPTY_TYPE, m.at("/config/mediaType").asText());
        assertEquals("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", m.at("/config/digest").asText(),
                "the OCI empty descriptor's well-known digest");
        assertEquals(SigningEvidence.ARTIFACT_TYPE, m.path("artifactType").asText());
    }

    @Test
    void evidenceForAnotherImageOrOfAnotherTypeIsRefused() {
        EvidenceFixture f = fixture;
        Referrers.Artifact a = ImageEvidence.artifact(f.evidence());
        assertTrue(refused(fetched(a, a.artifactType(), "sha256:" + "00".repeat(32), m -> m, b -> b), image(f))
                .contains("its subject is sha256:0000"));
        assertTrue(refused(fetched(a, "application/vnd.other+json", SUBJECT, m -> m, b -> b), image(f))
                .contains("artifactType is application/vnd.other+json"));
    }

    @Test
    void sigstructsMustBeExactlyTheImages() {
        EvidenceFixture f = fixture;
        Referrers.Fetched fetched = fetched(ImageEvidence.artifact(f.evidence()));
        Map<MemoryModel, Optional<Sigstruct>> swapped = image(f);
        swapped.put(MemoryModel.SGX1, Optional.of(f.signed.get("app.sgx2")));
        assertTrue(refused(fetched, swapped).contains("sgx1: the evidence's SIGSTRUCT differs from the image's ENCLAVEOS_SIGNATURE"));
        Map<MemoryModel, Optional<Sigstruct>> onlySgx1 = image(f);
        onlySgx1.put(MemoryModel.SGX2, Optional.empty());
        assertTrue(refused(fetched, onlySgx1).contains("sgx2: the evidence has a SIGSTRUCT the image does not"));
        List<SigningEvidence.Entry> first = f.evidence().entries().subList(0, 1);
        SigningEvidence partial = new SigningEvidence(first, f.evidence().journal());
        assertTrue(refused(fetched(ImageEvidence.artifact(partial)), image(f))
                .contains("sgx2: the image has a SIGSTRUCT the evidence does not"));
    }

    @Test
    void annotationsMustSayWhatTheSigstructsSay() {
        EvidenceFixture f = fixture;
        Referrers.Artifact a = ImageEvidence.artifact(f.evidence());
        assertTrue(refused(fetched(a, a.artifactType(), SUBJECT, m -> {
            m.put("org.enclaveos.mrenclave.sgx1", "00".repeat(32));
            return m;
        }, b -> b), image(f)).contains("annotation org.enclaveos.mrenclave.sgx1 is 0000"));
        assertTrue(refused(fetched(a, a.artifactType(), SUBJECT, m -> {
            m.put(SigningEvidence.MRSIGNER_ANNOTATION, "00".repeat(32));
            return m;
        }, b -> b), image(f)).contains("annotation org.enclaveos.mrsigner is 0000"));
        assertTrue(refused(fetched(a, a.artifactType(), SUBJECT, m -> {
            m.put(SigningEvidence.ANCHOR_ANNOTATION, "not-hex");
            return m;
        }, b -> b), image(f)).contains("is not a SHA-256 in hex"));
        assertTrue(refused(fetched(a, a.artifactType(), SUBJECT, m -> {
            m.remove(SigningEvidence.FIRST_SEQ_ANNOTATION);
            return m;
        }, b -> b), image(f)).contains("is not a line number"));
        assertTrue(refused(fetched(a, a.artifactType(), SUBJECT, m -> {
            m.put(SigningEvidence.FIRST_SEQ_ANNOTATION, "4");
            return m;
        }, b -> b), image(f)).contains("journal broken at line 4"), "the segment is held to its numbering");
    }

    @Test
    void blobsMissingOrNamedTwiceAreRefused() {
        EvidenceFixture f = fixture;
        Referrers.Artifact a = ImageEvidence.artifact(f.evidence());
        assertTrue(refused(fetched(a, a.artifactType(), SUBJECT, m -> m, b -> {
            b.removeIf(x -> x.title().equals("app.sgx2.sigstruct"));
            return b;
        }), image(f)).contains("app.sgx2.request.json has no app.sgx2.sigstruct"));
        assertTrue(refused(fetched(a, a.artifactType(), SUBJECT, m -> m, b -> {
            b.add(b.get(0));
            return b;
        }), image(f)).contains("two blobs are named 'app.sgx1.request.json'"));
        // Without its journal blob the evidence claims no ceremony, and still holds.
        SigningEvidence.Findings noJournal = ImageEvidence.check(fetched(a, a.artifactType(), SUBJECT, m -> m, b -> {
            b.removeIf(x -> x.title().equals("journal.jsonl"));
            return b;
        }), SUBJECT, image(f));
        assertEquals(List.of(), noJournal.ceremonies());
    }

    @Test
    void twoSignersAreBothNamedAndCeremonyFactsAreTheKnownFieldsInOrder() {
        EvidenceFixture f = fixture;
        org.enclaveos.signer.request.RequestSet.Loaded unpinned = f.requests.get(0);
        Sigstruct other = org.enclaveos.signer.crypto.SigstructSigner.sign(unpinned.unsigned(),
                org.enclaveos.signer.testing.TestKeys.key("second-signer"));
        List<SigningEvidence.Entry> entries = new ArrayList<>(f.evidence().entries());
        entries.set(0, EvidenceFixture.entry(unpinned, other.toBytes(), Optional.empty()));
        Referrers.Artifact a = ImageEvidence.artifact(new SigningEvidence(entries, Optional.empty()));
        assertEquals(other.mrsigner().hex() + "," + f.key.mrsigner().hex(), a.annotations().get(SigningEvidence.MRSIGNER_ANNOTATION));

        com.fasterxml.jackson.databind.node.ObjectNode start = EvidenceFixture.line("ceremony-start").put("seq", 3)
                .put("ceremonyId", "cer-7").put("operator", "alice").put("unrelated", "x");
        start.putNull("location");
        assertEquals(List.of("time", "ceremonyId", "operator"), List.copyOf(ImageEvidence.ceremonyFacts(start).keySet()),
                "known fields only, in a fixed order, none that is null");
        assertEquals("alice", ImageEvidence.ceremonyFacts(start).get("operator").asText());
    }
}
