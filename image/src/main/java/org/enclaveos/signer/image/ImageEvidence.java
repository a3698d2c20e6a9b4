package org.enclaveos.signer.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.journal.JournalSegment;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.SigningEvidence;
import org.enclaveos.signer.request.SigningResponse;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * Signing evidence ({@link SigningEvidence}) as an OCI artifact next to the signed image: one blob per
 * request file, SIGSTRUCT and response (named by {@code org.opencontainers.image.title}), one for the
 * journal segment, and annotations for MRSIGNER, each model's MRENCLAVE and the journal anchor. Read
 * back, the evidence must hold together and its SIGSTRUCTs must be exactly the image's.
 */
public final class ImageEvidence {
    static final String JOURNAL_TITLE = "journal.jsonl";
    /** The journal segment is the largest blob; every other is a request, a response or a SIGSTRUCT. */
    static final long MAX_BLOB = JournalSegment.MAX_BYTES;

    private ImageEvidence() {
    }

    /** The artifact attach pushes. */
    public static Referrers.Artifact artifact(SigningEvidence evidence) {
        return artifact(evidence, "evidence");
    }

    /** The artifact attach pushes, once the evidence has held ({@code where} names it in a refusal). */
    public static Referrers.Artifact artifact(SigningEvidence evidence, String where) {
        SigningEvidence.Findings f = evidence.check(where);
        Map<String, String> annotations = new TreeMap<>();
        f.sigstructs().values().stream().map(s -> s.mrsigner().hex()).distinct().reduce((a, b) -> a + "," + b)
                .ifPresent(m -> annotations.put(SigningEvidence.MRSIGNER_ANNOTATION, m));
        f.byModel().forEach((model, s) -> annotations.put(SigningEvidence.MRENCLAVE_ANNOTATION + model, s.mrenclave().hex()));
        List<Referrers.Blob> blobs = new ArrayList<>();
        for (SigningEvidence.Entry e : evidence.entries()) {
            blobs.add(new Referrers.Blob(SigningEvidence.REQUEST_TYPE, e.requestFile(), e.request()));
            blobs.add(new Referrers.Blob(SigningEvidence.SIGSTRUCT_TYPE, e.id() + SigningResponse.SIGSTRUCT_SUFFIX, e.sigstruct()));
            e.response().ifPresent(r -> blobs.add(new Referrers.Blob(SigningEvidence.RESPONSE_TYPE,
                    e.id() + SigningResponse.FILE_SUFFIX, r)));
        }
        evidence.journal().ifPresent(j -> {
            blobs.add(new Referrers.Blob(SigningEvidence.JOURNAL_TYPE, JOURNAL_TITLE, j.lines()));
            annotations.put(SigningEvidence.ANCHOR_ANNOTATION, j.anchor());
            annotations.put(SigningEvidence.FIRST_SEQ_ANNOTATION, Long.toString(j.firstSeq()));
        });
        return new Referrers.Artifact(SigningEvidence.ARTIFACT_TYPE, annotations, blobs);
    }

    /** The evidence an artifact carries, as it was published (not yet checked). */
    static SigningEvidence evidence(Referrers.Fetched f) {
        String where = "evidence " + f.descriptor().digest();
        Map<String, byte[]> byTitle = new LinkedHashMap<>();
        for (Referrers.Blob b : f.blobs()) {
            if (byTitle.put(b.title(), b.content()) != null) {
                throw SignerException.malformed(where + ": two blobs are named '" + b.title() + "'");
            }
        }
        List<SigningEvidence.Entry> entries = new ArrayList<>();
        for (Referrers.Blob b : f.blobs()) {
            if (!SigningEvidence.REQUEST_TYPE.equals(b.mediaType())) {
                continue;
            }
            String id = SigningEvidence.idOf(b.title());
            byte[] sigstruct = byTitle.get(id + SigningResponse.SIGSTRUCT_SUFFIX);
            if (sigstruct == null) {
                throw new SignerException(ErrorKind.INTEGRITY, where + ": " + b.title() + " has no "
                        + id + SigningResponse.SIGSTRUCT_SUFFIX);
            }
            entries.add(new SigningEvidence.Entry(b.title(), b.content(), sigstruct,
                    Optional.ofNullable(byTitle.get(id + SigningResponse.FILE_SUFFIX))));
        }
        Optional<JournalSegment> journal = Optional.empty();
        byte[] lines = byTitle.get(JOURNAL_TITLE);
        if (lines != null) {
            String anchor = f.annotations().get(SigningEvidence.ANCHOR_ANNOTATION);
            long first;
            try {
                first = Long.parseLong(f.annotations().getOrDefault(SigningEvidence.FIRST_SEQ_ANNOTATION, ""));
            } catch (NumberFormatException e) {
                throw SignerException.malformed(where + ": annotation " + SigningEvidence.FIRST_SEQ_ANNOTATION
                        + " is not a line number");
            }
            if (anchor == null || !anchor.matches("[0-9a-f]{64}")) {
                throw SignerException.malformed(where + ": annotation " + SigningEvidence.ANCHOR_ANNOTATION
                        + " is not a SHA-256 in hex");
            }
            journal = Optional.of(new JournalSegment(anchor, first, lines));
        }
        return new SigningEvidence(entries, journal);
    }

    /** One evidence artifact found for the image: its digest, what it says, or why it does not hold. */
    public record Found(String digest, Optional<SigningEvidence.Findings> findings, Optional<String> failure) {
    }

    /**
     * Finds the evidence published for the image {@code manifestDigest} and checks each artifact:
     * its subject, its content, its annotations, and that its SIGSTRUCTs are the image's, model by model.
     */
    public static List<Found> check(ImageReference image, String manifestDigest,
                                    Map<MemoryModel, Optional<Sigstruct>> signatures, RegistryClient.Options o) {
        List<Found> found = new ArrayList<>();
        for (Descriptor d : Referrers.find(image, manifestDigest, SigningEvidence.ARTIFACT_TYPE, o)) {
            try {
                Referrers.Fetched f = Referrers.fetch(image, d, MAX_BLOB, o);
                found.add(new Found(d.digest(), Optional.of(check(f, manifestDigest, signatures)), Optional.empty()));
            } catch (SignerException e) {
                found.add(new Found(d.digest(), Optional.empty(), Optional.of(e.getMessage())));
            }
        }
        return found;
    }

    static SigningEvidence.Findings check(Referrers.Fetched f, String manifestDigest,
                                          Map<MemoryModel, Optional<Sigstruct>> signatures) {
        String where = "evidence " + f.descriptor().digest();
        if (!SigningEvidence.ARTIFACT_TYPE.equals(f.artifactType())) {
            throw new SignerException(ErrorKind.INTEGRITY, where + ": artifactType is " + f.artifactType());
        }
        if (!manifestDigest.equals(f.subjectDigest())) {
            throw new SignerException(ErrorKind.INTEGRITY, where + ": its subject is " + f.subjectDigest()
                    + ", not this image (" + manifestDigest + ")");
        }
        SigningEvidence.Findings findings = evidence(f).check(where);
        for (MemoryModel m : MemoryModel.values()) {
            Optional<Sigstruct> inImage = signatures.getOrDefault(m, Optional.empty());
            Optional<Sigstruct> inEvidence = Optional.ofNullable(findings.byModel().get(m.id()));
            if (!java.util.Arrays.equals(inImage.map(Sigstruct::toBytes).orElse(null),
                    inEvidence.map(Sigstruct::toBytes).orElse(null))) {
                throw new SignerException(ErrorKind.INTEGRITY, where + ": " + m.id() + ": "
                        + (inEvidence.isEmpty() ? "the image has a SIGSTRUCT the evidence does not"
                        : inImage.isEmpty() ? "the evidence has a SIGSTRUCT the image does not"
                        : "the evidence's SIGSTRUCT differs from the image's " + m.envVariable()));
            }
            String annotated = f.annotations().get(SigningEvidence.MRENCLAVE_ANNOTATION + m.id());
            String actual = inEvidence.map(s -> s.mrenclave().hex()).orElse(null);
            if (!java.util.Objects.equals(annotated, actual)) {
                throw new SignerException(ErrorKind.INTEGRITY, where + ": annotation " + SigningEvidence.MRENCLAVE_ANNOTATION
                        + m.id() + " is " + annotated + ", the SIGSTRUCT's MRENCLAVE is " + actual);
            }
        }
        String signers = String.join(",", findings.sigstructs().values().stream().map(s -> s.mrsigner().hex()).distinct()
                .toList());
        if (!signers.equals(f.annotations().get(SigningEvidence.MRSIGNER_ANNOTATION))) {
            throw new SignerException(ErrorKind.INTEGRITY, where + ": annotation " + SigningEvidence.MRSIGNER_ANNOTATION
                    + " is " + f.annotations().get(SigningEvidence.MRSIGNER_ANNOTATION) + ", the SIGSTRUCTs' MRSIGNER is " + signers);
        }
        return findings;
    }

    /** The ceremony facts a reader wants from a ceremony-start line (whichever of them it records). */
    public static Map<String, JsonNode> ceremonyFacts(JsonNode start) {
        Map<String, JsonNode> facts = new LinkedHashMap<>();
        for (String k : List.of("time", "ceremonyId", "operator", "witnesses", "location", "approvals", "notes", "key",
                "mrsigner", "production", "tool")) {
            if (start.hasNonNull(k)) {
                facts.put(k, start.get(k));
            }
        }
        return facts;
    }
}
