package org.enclaveos.signer.attach;

import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.crypto.Verification;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.request.SigningResponse;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * A request together with the SIGSTRUCT sign-offline made for it, checked before anything is
 * written: the signature verifies (RSA, Q1/Q2, header, exponent 3, reserved bytes), it signs exactly
 * the request's payload (only MODULUS, EXPONENT, SIGNATURE, Q1 and Q2 may differ from the unsigned
 * bytes), the signer is the pinned one if the request pins one, and the response, if present, names
 * this very request file.
 */
record SignedRequest(RequestSet.Loaded request, Sigstruct sigstruct) {

    static SignedRequest load(RequestSet.Loaded request, Path signatures) {
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
        request.request().pinnedMrsigner().ifPresent(pinned -> {
            if (!pinned.equals(s.mrsigner())) {
                throw new SignerException(ErrorKind.POLICY, file + ": signed by " + s.mrsigner() + ", but the request pins "
                        + pinned);
            }
        });
        Path responseFile = signatures.resolve(request.id() + SigningResponse.FILE_SUFFIX);
        if (Files.exists(responseFile)) {
            SigningResponse response = SigningResponse.parse(org.enclaveos.signer.io.SmallFiles.read(responseFile,
                    org.enclaveos.signer.request.RequestJson.MAX_BYTES, "response file"), responseFile.toString());
            if (!request.fileSha256().hex().equals(response.requestSha256())) {
                throw new SignerException(ErrorKind.INTEGRITY, responseFile + ": answers request sha256 "
                        + response.requestSha256() + ", not " + request.file() + " (sha256 " + request.fileSha256() + ")");
            }
        }
        return new SignedRequest(request, s);
    }
}
