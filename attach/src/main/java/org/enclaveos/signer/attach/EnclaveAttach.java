package org.enclaveos.signer.attach;

import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sdk.SignedEnclave;
import org.enclaveos.signer.sgx.Hash256;

/**
 * Puts a new SIGSTRUCT into an Intel SGX SDK signed enclave: the input must still be the file
 * prepare measured (same SHA-256), every metadata block's SIGSTRUCT copy is replaced and no other
 * byte changes, and the written file is read back and re-measured before we report success.
 */
public final class EnclaveAttach {
    private EnclaveAttach() {
    }

    public record Result(Path out, int copies, Hash256 mrenclave, Hash256 mrsigner) {
    }

    public static Result attach(SignedRequest signed, Path input, Path out) {
        SigningRequest.Source source = signed.request().request().source();
        if (source == null || !"enclave".equals(source.kind())) {
            throw new SignerException(ErrorKind.USAGE, signed.request().file() + ": not an SGX SDK enclave request "
                    + "(source kind " + (source == null ? "none" : source.kind()) + "); --enclave-out is for prepare --enclave");
        }
        Path in = input != null ? input : Path.of(source.file());
        if (!Files.isRegularFile(in)) {
            throw new SignerException(ErrorKind.IO, in + ": no such file (the enclave prepare measured; --enclave-in "
                    + "gives another path to it)");
        }
        Hash256 now = Hash256.ofFile(in);
        if (!now.hex().equals(source.fileSha256())) {
            throw new SignerException(ErrorKind.INTEGRITY, in + ": changed since prepare: its SHA-256 is " + now
                    + ", the request recorded " + source.fileSha256());
        }
        SignedEnclave enclave = SignedEnclave.read(in);
        enclave.writeResigned(signed.sigstruct(), out);

        SignedEnclave written = SignedEnclave.read(out);
        for (SignedEnclave.Remeasured r : written.remeasure(org.enclaveos.signer.measure.Measurement.DEFAULT_MAX_MEASURED_BYTES)) {
            if (!r.block().sigstruct().equals(signed.sigstruct()) || !r.matches()) {
                throw new SignerException(ErrorKind.INTERNAL, out + ": metadata block " + r.block().index()
                        + " does not carry the new SIGSTRUCT for its measurement after writing");
            }
        }
        return new Result(out, written.blocks().size(), signed.sigstruct().mrenclave(), signed.sigstruct().mrsigner());
    }
}
