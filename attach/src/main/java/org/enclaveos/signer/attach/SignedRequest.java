package org.enclaveos.signer.attach;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.crypto.Verification;
import org.enclaveos.signer.request.RequestJson;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.request.SigningResponse;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * A request together with the SIGSTRUCT sign-offline made for it, checked before anything is
 * written: the signature verifies (RSA, Q1/Q2, header, exponent 3, reserved bytes), it signs exactly
 * the request's payload (only MODULUS, EXPONENT, SIGNATURE, Q1 and Q2 may differ from the unsigned
 * bytes), the signer is the one the request pins and the one {@code --expected-signer} names, and
 * the response sign-offline wrote beside it names this very request file, this signer, this payload
 * and these SIGSTRUCT bytes.
 */
public record SignedRequest(RequestSet.Loaded request, Sigstruct sigstruct) {

    /**
     * What attach trusts, beyond the signature itself.
     *
     * @param expectedSigner   {@code --expected-signer}/{@code --signer-key}: the only acceptable MRSIGNER
     * @param withoutResponses {@code --without-responses}: signatures from elsewhere (an HSM tool) have no
     *                         response file; then a signer must be pinned, by the request or the option
     * @param warnings         where a warning line goes (no signer pinned at all)
     */
    public record Trust(Optional<Hash256> expectedSigner, boolean withoutResponses, Consumer<String> warnings) {
    }

    public static SignedRequest load(RequestSet.Loaded request, Path signatures, Trust trust) {
        Path file = signatures.resolve(request.id() + SigningResponse.SIGSTRUCT_SUFFIX);
        if (!Files.exists(file)) {
            throw new SignerException(ErrorKind.IO, file + ": no such file (the signature of " + request.id() + ")");
        }
        Sigstruct s = Sigstruct.read(file);
        Verification v = SigstructVerifier.verify(s);
        if (!v.valid()) {
            throw new SignerException(ErrorKind.VERIFICATION_FAILED, file + ": does not verify: "
                    + v.firstFailure().orElseThrow().describe());
        }
        if (!s.sameSignedFields(request.unsigned())) {
            throw new SignerException(ErrorKind.INTEGRITY, file + ": signs another payload (sha256 "
                    + s.signingPayloadSha256() + ") than " + request.file() + " (sha256 "
                    + request.unsigned().signingPayloadSha256() + ")");
        }
        Optional<Hash256> pinned = request.request().pinnedMrsigner();
        requireSigner(file, s, pinned, "the request pins ");
        requireSigner(file, s, trust.expectedSigner(), "--expected-signer is ");
        if (pinned.isEmpty() && trust.expectedSigner().isEmpty()) {
            if (trust.withoutResponses()) {
                throw new SignerException(ErrorKind.POLICY, request.file() + ": pins no signer, and --without-responses "
                        + "needs one: give --expected-signer HEX or --signer-key PUB.pem");
            }
            trust.warnings().accept("WARNING: " + request.id() + ": no signer pinned (by the request or --expected-signer); "
                    + "accepting MRSIGNER " + s.mrsigner());
        }
        Path responseFile = signatures.resolve(request.id() + SigningResponse.FILE_SUFFIX);
        if (Files.exists(responseFile)) {
            checkResponse(request, s, responseFile);
        } else if (!trust.withoutResponses()) {
            throw new SignerException(ErrorKind.INTEGRITY, responseFile + ": no such file (sign-offline writes one beside "
                    + "each SIGSTRUCT; for signatures made elsewhere give --without-responses and pin the signer)");
        }
        return new SignedRequest(request, s);
    }

    /** Refuses a SIGSTRUCT by any other key than {@code expected}, where one is named. */
    private static void requireSigner(Path file, Sigstruct s, Optional<Hash256> expected, String namedBy) {
        expected.ifPresent(e -> {
            if (!e.equals(s.mrsigner())) {
                throw new SignerException(ErrorKind.POLICY, file + ": signed by " + s.mrsigner() + ", but " + namedBy + e);
            }
        });
    }

    /** The response must answer exactly this request, with exactly this SIGSTRUCT. */
    private static void checkResponse(RequestSet.Loaded request, Sigstruct s, Path responseFile) {
        SigningResponse.parse(org.enclaveos.signer.io.SmallFiles.read(responseFile, RequestJson.MAX_BYTES, "response file"),
                responseFile.toString()).requireAnswers(responseFile.toString(), request, s);
    }
}
