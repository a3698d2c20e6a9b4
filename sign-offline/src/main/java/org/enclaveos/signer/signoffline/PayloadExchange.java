package org.enclaveos.signer.signoffline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    static List<Path> export(List<RequestSet.Loaded> requests, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, dir + ": cannot create: " + AtomicFiles.describe(e), e);
        }
        return requests.stream().map(l -> {
            Path file = dir.resolve(l.id() + PAYLOAD_SUFFIX);
            AtomicFiles.createOrConfirm(file, l.unsigned().signingPayload(), false);
            return file;
        }).toList();
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
