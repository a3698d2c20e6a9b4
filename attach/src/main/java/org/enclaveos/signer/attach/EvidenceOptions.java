package org.enclaveos.signer.attach;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.SmallFiles;
import org.enclaveos.signer.journal.JournalSegment;
import org.enclaveos.signer.request.RequestJson;
import org.enclaveos.signer.request.SigningEvidence;
import org.enclaveos.signer.request.SigningResponse;
import org.enclaveos.signer.sgx.Hash256;

/**
 * Whether attach publishes the signing evidence next to the signed image, and which journal holds the
 * ceremony's lines (default: {@code journal.jsonl} in the signatures directory, where sign-offline
 * writes it). The evidence is collected and checked before anything is pushed.
 */
public record EvidenceOptions(Publish publish, Optional<Path> journal) {
    /** When to publish: to registry targets (the default), never ({@code --no-evidence}), or required ({@code --evidence}). */
    public enum Publish { REGISTRY_TARGETS, REQUIRED, NEVER }

    /** sign-offline's default journal, in its output directory. */
    public static final String DEFAULT_JOURNAL = "journal.jsonl";

    public static EvidenceOptions defaults() {
        return new EvidenceOptions(Publish.REGISTRY_TARGETS, Optional.empty());
    }

    public static EvidenceOptions none() {
        return new EvidenceOptions(Publish.NEVER, Optional.empty());
    }

    /**
     * The evidence of these signed requests: each request file (its bytes must still hash as when it
     * was loaded), its SIGSTRUCT, its response, and the journal lines of the ceremonies that signed
     * them, not yet checked ({@link org.enclaveos.signer.image.ImageEvidence#artifact} checks it). Signatures
     * made elsewhere ({@code withoutResponses}) may come without a journal.
     */
    SigningEvidence collect(List<SignedRequest> signed, Path signatures, boolean withoutResponses) {
        List<SigningEvidence.Entry> entries = new ArrayList<>();
        Map<String, String> sigstructs = new LinkedHashMap<>();
        for (SignedRequest s : signed) {
            Path file = s.request().file();
            byte[] request = SmallFiles.read(file, RequestJson.MAX_BYTES, "request file");
            if (!Hash256.sha256(request).equals(s.request().fileSha256())) {
                throw new SignerException(ErrorKind.INTEGRITY, file + ": changed while attach was running");
            }
            Path response = signatures.resolve(s.request().id() + SigningResponse.FILE_SUFFIX);
            byte[] sigstruct = s.sigstruct().toBytes();
            entries.add(new SigningEvidence.Entry(file.getFileName().toString(), request, sigstruct,
                    Files.exists(response) ? Optional.of(SmallFiles.read(response, RequestJson.MAX_BYTES, "response file"))
                            : Optional.empty()));
            sigstructs.put(s.request().id(), Hash256.sha256(sigstruct).hex());
        }
        Path journalFile = journal.orElse(signatures.resolve(DEFAULT_JOURNAL));
        Optional<JournalSegment> segment;
        if (Files.exists(journalFile) || journal.isPresent()) {
            segment = Optional.of(JournalSegment.select(journalFile, sigstructs));
        } else if (withoutResponses) {
            segment = Optional.empty();
        } else {
            throw new SignerException(ErrorKind.IO, journalFile + ": no such file; the signing evidence carries the "
                    + "ceremony's journal lines: give --journal FILE (sign-offline's --journal), or --no-evidence");
        }
        return new SigningEvidence(entries, segment);
    }
}
