package org.enclaveos.signer;

/**
 * What went wrong, as a caller can act on it. Each kind has its own process exit code so scripts can
 * tell "the signature is bad" from "the file is unreadable" from "you typed the option wrong". The
 * codes are part of the scripting contract: never renumber one, only add.
 */
public enum ErrorKind {
    /** A check failed: a SIGSTRUCT, signature, signer or measurement does not verify. */
    VERIFICATION_FAILED(1, "a verification check failed"),
    /** Command-line misuse: unknown option, missing argument, value out of range. */
    USAGE(2, "invalid command line"),
    /** A file or directory could not be read or written (missing, permissions, disk full). */
    IO(3, "a file could not be read or written"),
    /** An input is malformed: truncated or corrupted SIGSTRUCT, SGXS stream, ELF, JSON. */
    MALFORMED_INPUT(4, "an input file is malformed"),
    /** The key is unusable: not RSA-3072 with exponent 3, wrong passphrase or PIN, unreadable. */
    KEY(5, "the key cannot be used"),
    /** An output file already exists with other content; nothing was overwritten. */
    OUTPUT_EXISTS(6, "an output already exists"),
    /** The operation is refused by policy (for example a debug enclave in a production ceremony). */
    POLICY(7, "refused by policy"),
    /** Inputs disagree: an edited request, a changed image, a measurement mismatch. */
    INTEGRITY(8, "inputs disagree with each other"),
    /** A registry or transport failure. */
    REGISTRY(9, "registry or transport failure"),
    /** A valid input that uses a feature this tool does not support (and will not guess at). */
    UNSUPPORTED(10, "unsupported input"),
    /** A bug in this tool: please report it with the output of --verbose. */
    INTERNAL(70, "internal error");

    private final int exitCode;
    private final String summary;

    ErrorKind(int exitCode, String summary) {
        this.exitCode = exitCode;
        this.summary = summary;
    }

    public int exitCode() {
        return exitCode;
    }

    public String summary() {
        return summary;
    }
}
