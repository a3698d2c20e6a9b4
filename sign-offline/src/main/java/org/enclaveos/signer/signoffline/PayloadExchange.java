package org.enclaveos.signer.signoffline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.KeyRules;
import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.crypto.VerifyingKey;
import org.enclaveos.signer.io.AtomicFiles;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * Signing elsewhere: export each request's 256-byte signing payload (the bytes Intel's
 * {@code sgx_sign gendata} writes) for an HSM console or {@code openssl}, and import the 384-byte
 * big-endian signatures they return ({@code sgx_sign catsig}'s input) as verified SIGSTRUCTs.
 */
final class PayloadExchange {
    static final String PAYLOAD_SUFFIX = ".payload";
    static final String SIGNATURE_SUFFIX = ".sig";

    private PayloadExchange() {
    }

    /**
     * Writes each planned request's payload to {@code plan.out()} and journals the export: a payload
     * that leaves the tool is as good as a signature for whoever holds the key, so it leaves only
     * after the same checks, review and confirmation as signing (the caller's), and the journal says
     * which payloads went out, for which requests. The caller holds the {@link OutputLock}.
     */
    static List<Path> export(Ceremony.Plan plan, Journal journal, String ceremonyId, String keySource) {
        List<Path> files = new ArrayList<>();
        ObjectNode line = Journal.fields();
        line.put("ceremonyId", ceremonyId);
        line.put("production", plan.policy().production());
        line.put("key", keySource);
        ArrayNode list = line.putArray("payloads");
        for (Ceremony.Item i : plan.items()) {
            RequestSet.Loaded l = i.request();
            Path file = plan.out().resolve(l.id() + PAYLOAD_SUFFIX);
            AtomicFiles.createOrConfirm(file, l.unsigned().signingPayload(), false);
            files.add(file);
            list.addObject().put("id", l.id()).put("requestSha256", l.fileSha256().hex())
                    .put("signingPayloadSha256", l.unsigned().signingPayloadSha256().hex())
                    .put("file", file.getFileName().toString());
        }
        AtomicFiles.syncDirectory(plan.out());
        journal.append("payloads-exported", line);
        return List.copyOf(files);
    }

    /** A signer that reads DIR/ID.sig and assembles it, refusing anything that does not verify. */
    static Ceremony.Signer importer(Path dir, VerifyingKey key) {
        return l -> {
            Path file = dir.resolve(l.id() + SIGNATURE_SUFFIX);
            if (!Files.exists(file)) {
                throw new SignerException(ErrorKind.IO, file + ": no such file (expected the signature of " + l.id() + ")");
            }
            byte[] signature = org.enclaveos.signer.io.SmallFiles.read(file, 4096, "signature file");
            if (signature.length != KeyRules.MODULUS_BYTES) {
                throw new SignerException(ErrorKind.MALFORMED_INPUT, file + ": " + signature.length + " bytes, expected "
                        + KeyRules.MODULUS_BYTES + " (a raw RSA-3072 signature, big-endian, as openssl writes it)");
            }
            try {
                Sigstruct signed = SigstructSigner.assemble(l.unsigned(), key, signature);
                return signed;
            } catch (SignerException e) {
                throw new SignerException(ErrorKind.VERIFICATION_FAILED, file + ": not a valid signature of " + l.id()
                        + "'s payload by " + key.mrsigner() + " (" + e.getMessage() + ")");
            }
        };
    }
}
