package org.enclaveos.signer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.elf.ElfFile;
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

    /** What a file given to inspect, measure or verify is, as far as its SIGSTRUCT is concerned. */
    enum Kind {
        /** An ELF with an {@code .oeinfo} section. */
        OE_ENCLAVE,
        /** Any other ELF: an SGX SDK signed enclave, or refused as one when it is not. */
        SDK_ENCLAVE,
        /** Not ELF: a bare SIGSTRUCT, an SGXS stream or a layout manifest, as the command decides. */
        OTHER
    }

    /**
     * The file's kind, decided once per command: each command used to ask "OE enclave?" and then
     * "SDK enclave?", and each question checked the file and sniffed its ELF magic again.
     */
    static Kind kind(Path file) {
        requireFile(file);
        if (!ElfFile.isElf(file)) {
            return Kind.OTHER;
        }
        return OeEnclave.isOeEnclave(file) ? Kind.OE_ENCLAVE : Kind.SDK_ENCLAVE;
    }

    /** The SIGSTRUCT in an Open Enclave enclave's .oeinfo; an unsigned one is refused naming the file. */
    static Sigstruct signed(OeEnclave enclave) {
        return enclave.sigstruct().orElseThrow(() -> new SignerException(ErrorKind.MALFORMED_INPUT, enclave.file()
                + ": an unsigned Open Enclave enclave (its .oeinfo SIGSTRUCT is all zero)"));
    }

    /** The SIGSTRUCT copy of each metadata block of an enclave already read. */
    static List<Found> of(SignedEnclave enclave) {
        return enclave.blocks().stream()
                .map(b -> new Found("metadata block " + b.index() + " (v" + b.version() + ")", b.sigstruct()))
                .toList();
    }

    private static void requireFile(Path file) {
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
}
