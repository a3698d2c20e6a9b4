package org.enclaveos.signer.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.oe.OeEnclave;
import org.enclaveos.signer.sdk.SignedEnclave;
import org.enclaveos.signer.sgx.Sigstruct;

/** The files that carry a SIGSTRUCT: a bare 1808-byte file, an SGX SDK signed enclave, an Open Enclave enclave. */
final class SigstructInputs {
    private SigstructInputs() {
    }

    /** A SIGSTRUCT found in a file, with where it sits. */
    record Found(String label, Sigstruct sigstruct) {
    }

    static boolean isEnclave(Path file) {
        requireFile(file);
        return SignedEnclave.isElf(file) && !isOeEnclave(file);
    }

    static boolean isOeEnclave(Path file) {
        requireFile(file);
        return OeEnclave.isOeEnclave(file);
    }

    /** The SIGSTRUCT in an Open Enclave enclave's .oeinfo; an unsigned one is refused naming the file. */
    static Sigstruct signed(OeEnclave enclave) {
        return enclave.sigstruct().orElseThrow(() -> new SignerException(ErrorKind.MALFORMED_INPUT, enclave.file()
                + ": an unsigned Open Enclave enclave (its .oeinfo SIGSTRUCT is all zero)"));
    }

    /** Every SIGSTRUCT in the file: one for a bare SIGSTRUCT, one per metadata block for an enclave. */
    static List<Found> read(Path file) {
        if (isOeEnclave(file)) {
            return List.of(new Found(OeEnclave.SECTION, signed(OeEnclave.read(file))));
        }
        if (isEnclave(file)) {
            return of(SignedEnclave.read(file));
        }
        return List.of(new Found("SIGSTRUCT", Sigstruct.read(file)));
    }

    /** The SIGSTRUCT copy of each metadata block of an enclave already read. */
    static List<Found> of(SignedEnclave enclave) {
        return enclave.blocks().stream()
                .map(b -> new Found("metadata block " + b.index() + " (v" + b.version() + ")", b.sigstruct()))
                .toList();
    }

    static void requireFile(Path file) {
        if (!Files.exists(file)) {
            throw new SignerException(ErrorKind.IO, file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new SignerException(ErrorKind.IO, file + ": not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new SignerException(ErrorKind.IO, file + ": permission denied");
        }
    }

    static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
