package org.enclaveos.signer.prepare;

import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.sdk.SignedEnclave;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * An Intel SGX SDK signed enclave as a source to re-sign: MRENCLAVE recomputed from every metadata
 * block (all must agree, and agree with the SIGSTRUCT the file carries, or we refuse naming both),
 * the file's SIGSTRUCT for the defaults, and the file's SHA-256 so attach can tell if it changed.
 */
record SdkEnclaveSource(Path file, Hash256 mrenclave, Sigstruct sigstruct, Hash256 fileSha256) {

    static SdkEnclaveSource read(Path file, long maxMeasuredBytes) {
        if (!Files.isRegularFile(file)) {
            throw new SignerException(ErrorKind.IO, file + ": no such file");
        }
        SignedEnclave enclave = SignedEnclave.read(file);
        Hash256 first = null;
        for (SignedEnclave.Remeasured r : enclave.remeasure(maxMeasuredBytes)) {
            SignedEnclave.MetadataBlock b = r.block();
            if (!r.matches()) {
                throw new SignerException(ErrorKind.INTEGRITY, file + ": metadata block " + b.index() + " (v" + b.version()
                        + ") measures " + r.measured() + ", but the SIGSTRUCT in the file says " + b.sigstruct().mrenclave());
            }
            first = first == null ? r.measured() : first;
        }
        return new SdkEnclaveSource(file, first, enclave.sigstruct(), Hash256.ofFile(file));
    }

    /** "Enclave" for Enclave.signed.so. */
    String name() {
        String n = file.getFileName().toString();
        for (String suffix : new String[] {".signed.so", ".so"}) {
            if (n.endsWith(suffix) && n.length() > suffix.length()) {
                return n.substring(0, n.length() - suffix.length());
            }
        }
        return n;
    }
}
