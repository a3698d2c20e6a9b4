package org.enclaveos.signer.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.journal.JournalChain;
import org.enclaveos.signer.journal.JournalSegment;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.request.SigningEvidence;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.request.SigningResponse;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * Signing evidence made the way sign-offline makes it, without a ceremony: two image requests (sgx1,
 * sgx2) written by RequestWriter, signed, answered by responses, and a journal whose chain sign-offline
 * would accept: an earlier, unrelated ceremony, then the one that signed these two.
 */
public final class EvidenceFixture {
    private static final ObjectMapper JSON = new ObjectMapper();

    public final Path dir;
    public final SigningKey key;
    public final List<RequestSet.Loaded> requests;
    public final Map<String, Sigstruct> signed = new LinkedHashMap<>();
    public final Map<String, byte[]> responses = new LinkedHashMap<>();
    public final Path journal;

    private static EvidenceFixture shared;

    /**
     * One fixture per JVM, in a temporary directory: tests must not change its files. Mutation testing
     * runs these tests for hundreds of mutants in one JVM; making the fixture each time was most of it.
     */
    public static synchronized EvidenceFixture shared() {
        if (shared == null) {
            try {
                shared = new EvidenceFixture(Files.createTempDirectory("evidence-fixture-"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    public EvidenceFixture(Path dir) {
        this.dir = dir;
        this.key = TestKeys.key("evidence");
        Path requestDir = dir.resolve("requests");
        RequestWriter.write(requestDir, List.of(
                Requests.request("app", MemoryModel.SGX1, Requests.production(1), null),
                Requests.request("app", MemoryModel.SGX2, Requests.production(2), key.mrsigner())), false, "test");
        requests = RequestSet.load(List.of(requestDir));
        for (RequestSet.Loaded l : requests) {
            Sigstruct s = SigstructSigner.sign(l.unsigned(), key);
            signed.put(l.id(), s);
            responses.put(l.id(), response(l, s).toJson());
        }
        journal = dir.resolve("journal.jsonl");
        List<ObjectNode> lines = new ArrayList<>();
        lines.add(line("ceremony-start").put("ceremonyId", "earlier"));
        lines.add(line("ceremony-end").put("ceremonyId", "earlier"));
        ObjectNode start = line("ceremony-start").put("ceremonyId", "cer-7").put("operator", "alice");
        start.putArray("witnesses").add("bob").add("carol");
        lines.add(start);
        for (RequestSet.Loaded l : requests) {
            lines.add(signedLine(l, signed.get(l.id())));
        }
        lines.add(line("ceremony-end").put("ceremonyId", "cer-7"));
        writeJournal(journal, lines);
    }

    public static SigningResponse response(RequestSet.Loaded l, Sigstruct s) {
        return new SigningResponse(SigningResponse.SCHEMA, "test", l.request().name(), l.request().memoryModel(),
                l.fileSha256().hex(), s.mrsigner().hex(), s.signingPayloadSha256().hex(), Hash256.sha256(s.toBytes()).hex());
    }

    public static ObjectNode line(String event) {
        return JSON.createObjectNode().put("time", "2026-11-30T00:00:00Z").put("event", event);
    }

    public static ObjectNode signedLine(RequestSet.Loaded l, Sigstruct s) {
        return line("signed").put("ceremonyId", "cer-7").put("id", l.id()).put("requestSha256", l.fileSha256().hex())
                .put("signingPayloadSha256", s.signingPayloadSha256().hex()).put("mrsigner", s.mrsigner().hex())
                .put("sigstructSha256", Hash256.sha256(s.toBytes()).hex());
    }

    /** Writes lines with seq and prev first, chained as sign-offline chains them. */
    public static void writeJournal(Path file, List<ObjectNode> lines) {
        StringBuilder out = new StringBuilder();
        String prev = JournalChain.GENESIS;
        long seq = 0;
        for (ObjectNode fields : lines) {
            ObjectNode l = JSON.createObjectNode().put("seq", ++seq).put("prev", prev);
            l.setAll(fields);
            String text = l.toString();
            out.append(text).append('\n');
            prev = Hash256.sha256(text.getBytes(StandardCharsets.UTF_8)).hex();
        }
        try {
            Files.writeString(file, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sigstruct hashes JournalSegment.select looks for. */
    public Map<String, String> sigstructHashes() {
        Map<String, String> m = new LinkedHashMap<>();
        signed.forEach((id, s) -> m.put(id, Hash256.sha256(s.toBytes()).hex()));
        return m;
    }

    public SigningEvidence evidence() {
        List<SigningEvidence.Entry> entries = new ArrayList<>();
        for (RequestSet.Loaded l : requests) {
            entries.add(entry(l, signed.get(l.id()).toBytes(), Optional.of(responses.get(l.id()))));
        }
        return new SigningEvidence(entries, Optional.of(JournalSegment.select(journal, sigstructHashes())));
    }

    public static SigningEvidence.Entry entry(RequestSet.Loaded l, byte[] sigstruct, Optional<byte[]> response) {
        try {
            return new SigningEvidence.Entry(l.file().getFileName().toString(), Files.readAllBytes(l.file()), sigstruct, response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public SigningRequest request(int i) {
        return requests.get(i).request();
    }
}
