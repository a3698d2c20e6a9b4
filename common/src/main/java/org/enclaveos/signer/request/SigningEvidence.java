package org.enclaveos.signer.request;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.crypto.Verification;
import org.enclaveos.signer.journal.JournalChain;
import org.enclaveos.signer.journal.JournalSegment;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * What a signature came from, published next to what it signs: each request file, its SIGSTRUCT and
 * sign-offline's response, and the journal lines of the ceremony that made them. {@link #check} holds
 * them together the way attach holds them before it writes: every SIGSTRUCT verifies and signs
 * exactly its request's payload, by the signer the request pins; each response answers its request
 * and SIGSTRUCT; the journal lines chain to their anchor and record each SIGSTRUCT by its hash.
 * The registry side (an OCI artifact whose subject is the signed image) is the image module's.
 */
public record SigningEvidence(List<Entry> entries, Optional<JournalSegment> journal) {
    /** The artifact type of the OCI manifest that carries the evidence. */
    public static final String ARTIFACT_TYPE = "application/vnd.enclaveos.signing-evidence.v1+json";
    public static final String REQUEST_TYPE = "application/vnd.enclaveos.signing-request.v1+json";
    public static final String SIGSTRUCT_TYPE = "application/vnd.enclaveos.sigstruct.v1";
    public static final String RESPONSE_TYPE = "application/vnd.enclaveos.signing-response.v1+json";
    public static final String JOURNAL_TYPE = "application/vnd.enclaveos.journal-segment.v1+jsonl";
    /** On the journal blob: the hash of the line before the segment, and the segment's first seq. */
    public static final String ANCHOR_ANNOTATION = "org.enclaveos.journal.anchor";
    public static final String FIRST_SEQ_ANNOTATION = "org.enclaveos.journal.first-seq";
    /** On the manifest: MRSIGNER, and each model's MRENCLAVE (suffix: the model's id). */
    public static final String MRSIGNER_ANNOTATION = "org.enclaveos.mrsigner";
    public static final String MRENCLAVE_ANNOTATION = "org.enclaveos.mrenclave.";

    /** One request with what answered it; {@code requestFile} is the request's file name (no directory). */
    public record Entry(String requestFile, byte[] request, byte[] sigstruct, Optional<byte[]> response) {
        public String id() {
            return idOf(requestFile);
        }
    }

    /** A request's id from its file name ({@code NAME.MODEL.request.json}); a name without the suffix is kept whole. */
    public static String idOf(String requestFile) {
        String suffix = SigningRequest.FILE_SUFFIX;
        return requestFile.endsWith(suffix) ? requestFile.substring(0, requestFile.length() - suffix.length()) : requestFile;
    }

    public SigningEvidence {
        entries = List.copyOf(entries);
    }

    /**
     * What checked evidence says: each request id with its SIGSTRUCT (in entry order), each model's
     * SIGSTRUCT (for image requests), and the ceremony-start lines of the journal segment.
     */
    public record Findings(Map<String, Sigstruct> sigstructs, Map<String, Sigstruct> byModel, List<JsonNode> ceremonies,
                           Optional<String> journalLastHash) {
    }

    /** Checks everything named in the class comment; the first inconsistency is an error naming it. */
    public Findings check(String where) {
        if (entries.isEmpty()) {
            throw new SignerException(ErrorKind.INTEGRITY, where + ": no request in the evidence");
        }
        Map<String, Sigstruct> sigstructs = new LinkedHashMap<>();
        Map<String, Sigstruct> byModel = new LinkedHashMap<>();
        Map<String, RequestSet.Loaded> requests = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (!e.requestFile().endsWith(SigningRequest.FILE_SUFFIX) || e.requestFile().contains("/")) {
                throw SignerException.malformed(where + ": '" + e.requestFile() + "' is not a request file name");
            }
            String at = where + ": " + e.requestFile();
            RequestSet.Loaded request = RequestSet.parse(Path.of(e.requestFile()), e.request());
            Sigstruct s = Sigstruct.parse(e.sigstruct());
            Verification v = SigstructVerifier.verify(s);
            if (!v.valid()) {
                throw new SignerException(ErrorKind.VERIFICATION_FAILED, at + ": its SIGSTRUCT does not verify: "
                        + v.firstFailure().orElseThrow().describe());
            }
            if (!s.sameSignedFields(request.unsigned())) {
                throw new SignerException(ErrorKind.INTEGRITY, at + ": the SIGSTRUCT signs another payload (sha256 "
                        + s.signingPayloadSha256() + ") than the request (sha256 " + request.unsigned().signingPayloadSha256() + ")");
            }
            request.request().pinnedMrsigner().ifPresent(pinned -> {
                if (!pinned.equals(s.mrsigner())) {
                    throw new SignerException(ErrorKind.POLICY, at + ": signed by " + s.mrsigner() + ", the request pins " + pinned);
                }
            });
            if (e.response().isPresent()) {
                SigningResponse.parse(e.response().get(), at + " response").requireAnswers(at + " response", request, s);
            }
            if (sigstructs.put(request.id(), s) != null) {
                throw new SignerException(ErrorKind.INTEGRITY, at + ": request " + request.id() + " is in the evidence twice");
            }
            requests.put(request.id(), request);
            if (request.request().memoryModel() != null) {
                byModel.put(request.request().memoryModel(), s);
            }
        }
        List<JsonNode> ceremonies = new ArrayList<>();
        Optional<String> last = Optional.empty();
        if (journal.isPresent()) {
            List<JournalChain.Line> lines = journal.get().check(where + ": journal");
            if (!"ceremony-start".equals(lines.get(0).event())) {
                throw new SignerException(ErrorKind.INTEGRITY, where + ": journal segment starts with '"
                        + lines.get(0).event() + "', not with a ceremony-start line");
            }
            for (Entry e : entries) {
                requireJournaled(where, lines, requests.get(e.id()), e);
            }
            lines.stream().filter(l -> "ceremony-start".equals(l.event())).forEach(l -> ceremonies.add(l.fields()));
            last = Optional.of(lines.get(lines.size() - 1).hash());
        }
        return new Findings(sigstructs, byModel, ceremonies, last);
    }

    /** A signed (or already-signed) line that names this request file and these SIGSTRUCT bytes. */
    private static void requireJournaled(String where, List<JournalChain.Line> lines, RequestSet.Loaded request, Entry e) {
        String sigstructSha = Hash256.sha256(e.sigstruct()).hex();
        for (JournalChain.Line l : lines) {
            JsonNode f = l.fields();
            if (JournalSegment.SIGNED_EVENTS.contains(l.event()) && request.id().equals(f.path("id").asText())
                    && sigstructSha.equals(f.path("sigstructSha256").asText())
                    && request.fileSha256().hex().equals(f.path("requestSha256").asText())) {
                return;
            }
        }
        throw new SignerException(ErrorKind.INTEGRITY, where + ": the journal segment has no signed line for "
                + request.id() + " with this request file (sha256 " + request.fileSha256() + ") and this SIGSTRUCT (sha256 "
                + sigstructSha + ")");
    }
}
