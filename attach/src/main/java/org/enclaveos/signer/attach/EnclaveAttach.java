package org.enclaveos.signer.attach;

import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.oe.OeConfig;
import org.enclaveos.signer.oe.OeEnclave;
import org.enclaveos.signer.oe.OeProperties;
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
        if (source == null || !("enclave".equals(source.kind()) || "oe-enclave".equals(source.kind()))) {
            throw new SignerException(ErrorKind.USAGE, signed.request().file() + ": not an enclave request "
                    + "(source kind " + (source == null ? "none" : source.kind()) + "); --enclave-out is for prepare --enclave");
        }
        Path in = input != null ? input : Path.of(source.file());
        if (!Files.isRegularFile(in)) {
            throw new SignerException(ErrorKind.IO, in + ": no such file (the enclave prepare measured; --enclave-in "
                    + "gives another path to it)");
        }
        requireUnchanged(in, "", source.fileSha256());
        if ("oe-enclave".equals(source.kind())) {
            return attachOe(signed, in, out);
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

    /**
     * An Open Enclave enclave: the properties prepare measured (the file's, under the oesign
     * configuration the request names, unchanged since), measured again and required to give the
     * request's MRENCLAVE; then {@code .oeinfo} is written as oesign writes it, those properties with the
     * SIGSTRUCT, and the written file is read back and re-measured.
     */
    private static Result attachOe(SignedRequest signed, Path in, Path out) {
        SigningRequest.Layout config = signed.request().request().layout();
        OeEnclave enclave = OeEnclave.read(in);
        OeProperties props = enclave.properties();
        if (config != null) {
            Path file = Path.of(config.path());
            requireUnchanged(file, "the oesign configuration ", config.sha256());
            props = OeConfig.read(file).applyTo(props);
        }
        long max = org.enclaveos.signer.measure.Measurement.DEFAULT_MAX_MEASURED_BYTES;
        Hash256 expected = signed.sigstruct().mrenclave();
        Hash256 measured = enclave.measure(props, max);
        if (!measured.equals(expected)) {
            throw new SignerException(ErrorKind.INTEGRITY, in + ": measures " + measured + " with the properties prepare "
                    + "used, but the signed SIGSTRUCT is for " + expected);
        }
        enclave.writeSigned(props.withSigstruct(signed.sigstruct()), out);
        OeEnclave written = OeEnclave.read(out);
        if (!written.sigstruct().equals(java.util.Optional.of(signed.sigstruct()))
                || !written.measure(written.properties(), max).equals(expected)) {
            throw new SignerException(ErrorKind.INTERNAL, out + ": does not carry the new SIGSTRUCT for its measurement "
                    + "after writing");
        }
        return new Result(out, 1, expected, signed.sigstruct().mrsigner());
    }

    /** The file prepare measured (or read), still byte for byte what the request recorded. */
    private static void requireUnchanged(Path file, String what, String recordedSha256) {
        Hash256 now = Hash256.ofFile(file);
        if (!now.hex().equals(recordedSha256)) {
            throw new SignerException(ErrorKind.INTEGRITY, file + ": " + what + "changed since prepare: its SHA-256 is "
                    + now + ", the request recorded " + recordedSha256);
        }
    }
}
